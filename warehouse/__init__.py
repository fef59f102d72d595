"""Storage: the DuckDB file, its schema, CSV/DataFrame import with undo (see docs/architecture.md).

Nothing here connects or reads files at import time; call :func:`warehouse.connection.connect`.
"""
