"""Loading and merging the translation catalogues (private).

Every ``catalog/<lang>/*.json`` file is a flat object: key → string, or key → plural dict
({"one": .., "few": .., "many": .., "other": ..}). The files of one language are merged; a key
defined twice (in one file or in two) is an error, never a silent override.
"""

from __future__ import annotations

import functools
import json
import pathlib
from collections.abc import Mapping
from types import MappingProxyType

CATALOG_DIR = pathlib.Path(__file__).with_name("catalog")
PLURAL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})

Entry = str | Mapping[str, str]


class CatalogueError(ValueError):
    """A catalogue file is malformed or defines a key already defined."""


def catalogue_files(lang: str) -> list[pathlib.Path]:
    """The JSON files of one language, sorted by name."""
    return sorted((CATALOG_DIR / lang).glob("*.json"))


def _reject_duplicate_pairs(path: pathlib.Path):
    def hook(pairs: list[tuple[str, object]]) -> dict:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                raise CatalogueError(f"{path}: key {key!r} defined twice in the file")
            seen[key] = value
        return seen

    return hook


def _check_entry(path: pathlib.Path, key: str, value: object) -> Entry:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and set(value) <= PLURAL_CATEGORIES:
        if all(isinstance(v, str) for v in value.values()):
            return MappingProxyType(dict(value))
    raise CatalogueError(
        f"{path}: key {key!r} must map to a string or a plural dict with categories "
        f"{sorted(PLURAL_CATEGORIES)}"
    )


def load_file(path: pathlib.Path) -> dict[str, Entry]:
    """One catalogue file → its flat dict of entries (validated)."""
    data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_reject_duplicate_pairs(path))
    if not isinstance(data, dict):
        raise CatalogueError(f"{path}: the top level must be an object")
    return {key: _check_entry(path, key, value) for key, value in data.items()}


@functools.cache
def catalogue(lang: str) -> Mapping[str, Entry]:
    """Every file of ``lang`` merged into one read-only mapping (loaded once, on first use)."""
    files = catalogue_files(lang)
    if not files:
        raise CatalogueError(f"no catalogue files for language {lang!r} in {CATALOG_DIR / lang}")
    merged: dict[str, Entry] = {}
    origin: dict[str, pathlib.Path] = {}
    for path in files:
        for key, value in load_file(path).items():
            if key in merged:
                raise CatalogueError(f"key {key!r} defined in both {origin[key].name} and {path.name} ({lang})")
            merged[key] = value
            origin[key] = path
    return MappingProxyType(merged)


def clear_cache() -> None:
    """Forget the loaded catalogues (the next lookup reads the files again)."""
    catalogue.cache_clear()
