"""Benchmarks (not tests): generated data at 1M/10M interactions, import and page timings."""
