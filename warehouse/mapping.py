"""From an export's own columns to a canonical table: header synonyms, presets, typed frames.

No database access. ``apply_mapping`` returns exactly the canonical columns of
``warehouse.ingest.TABLES[table]`` (schema order, typed), indexed by the 1-based file line of
each record (header = line 1), plus every rejected cell and every row a preset's filter skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from warehouse import parsing
from warehouse.ingest import MISSING_REQUIRED, RAW_LIMIT, TABLES, Reject
from warehouse.readers import RawTable

PRESETS_DIR = Path(__file__).with_name("presets")
BAD_DATE = "not a date (expected DD.MM.YYYY[ HH:MM[:SS]], YYYY-MM-DD[ HH:MM[:SS]] or DD/MM/YYYY), or no such day"
BAD_NUMBER = "not a number (e.g. 1234.50, 1 234,50, -5)"
BAD_DURATION = "not a duration (expected HH:MM:SS, MM:SS or a number)"
BAD_BOOLEAN = "not yes/no (expected Y/N, да/нет, true/false, 1/0)"
BAD_CALL_STATUS = "not a call status (expected answered/missed/busy, Отвечен/Пропущен/Занято, or yes/no)"
BAD_ORDER = "ends before it starts"
DTYPES = {"VARCHAR": "str", "TIMESTAMP": "datetime64[us]", "DOUBLE": "float64", "INTEGER": "Int64",
          "BOOLEAN": "boolean"}


@functools.cache
def synonyms() -> dict:
    """presets/_synonyms.json: "headers" table → column → header synonyms; "enum_values" column →
    {raw value: canonical value}. Read on first use, not at import."""
    return json.loads((PRESETS_DIR / "_synonyms.json").read_text(encoding="utf-8"))


def normalise_header(header: str) -> str:
    """'  Бюджет ' → 'бюджет': trimmed, casefolded, ё → е, inner whitespace collapsed."""
    return " ".join(str(header).casefold().replace("ё", "е").split())


def header_signature(headers: list[str]) -> str:
    """sha256 of the normalised, sorted header list: the key a saved preset is found by."""
    return hashlib.sha256("\n".join(sorted(normalise_header(h) for h in headers)).encode()).hexdigest()


@dataclass
class Preset:
    """A saved mapping. ``mapping``: canonical column → header, or a list of headers (first
    non-empty wins). ``derived``: canonical column → {"minutes_between": [start, end]} or
    {"pick_by": {"column": header, "cases": {value: header}}}. ``options``: date_order
    ('dmy'|'mdy'), decimal (','|'.'), units {column: 's'|'min'|'h'}, values {column: {raw: value,
    "*": default}}, keep_rows {header: [values]} (other rows are skipped, not rejected)."""

    name: str
    table: str
    mapping: dict[str, str | list[str]]
    constants: dict[str, object] = field(default_factory=dict)
    derived: dict[str, dict] = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    header_signature: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Preset:
        """A dict from to_dict (or JSON) → Preset; unknown tables and columns raise ValueError."""
        table = data.get("table")
        if table not in TABLES:
            raise ValueError(f"preset {data.get('name')!r}: unknown table {table!r}")
        named = {*data.get("mapping", {}), *data.get("constants", {}), *data.get("derived", {})}
        unknown = sorted(named - set(TABLES[table].columns))
        if unknown:
            raise ValueError(f"preset {data.get('name')!r}: {table} has no column {', '.join(unknown)}")
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


@dataclass
class Proposal:
    """A guessed mapping for one file, to show and edit before import. ``score``: share of required
    columns found + 0.1 × share of optional ones; ``missing_required``: required columns with no
    header; ``options`` as in :class:`Preset` (``ambiguous_dates``: ask the user)."""

    table: str
    mapping: dict[str, str]
    constants: dict[str, object]
    score: float
    missing_required: list[str]
    options: dict = field(default_factory=dict)
    derived: dict[str, dict] = field(default_factory=dict)

    def to_preset(self, name: str, headers: list[str]) -> Preset:
        """The (edited) proposal saved as a preset for files with exactly these headers."""
        options = {key: value for key, value in self.options.items() if key != "ambiguous_dates"}
        return Preset(name, self.table, dict(self.mapping), dict(self.constants), dict(self.derived), options,
                      header_signature(headers))


class Mapped(NamedTuple):
    """``frame``: canonical columns, index = file line; ``rejects``: one per bad cell (its row is
    not in ``frame``); ``skipped``: rows left out by the preset's keep_rows filter. Records in the
    file = len(frame) + rows with rejects + len(skipped)."""

    frame: pd.DataFrame
    rejects: list[Reject]
    skipped: list[Reject]


def builtin_presets() -> list[Preset]:
    """Every presets/*.json shipped with the package (files starting with '_' are not presets)."""
    return [Preset.from_dict(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(PRESETS_DIR.glob("[!_]*.json"))]


def _needs(preset: Preset) -> list[set[str]]:
    """The headers a preset reads, as sets of alternatives (normalised): one of each must exist."""
    needs = [[source] if isinstance(source, str) else source for source in preset.mapping.values()]
    for rule in preset.derived.values():
        needs += [[name] for name in rule.get("minutes_between", [])]
        if "pick_by" in rule:
            needs += [[rule["pick_by"]["column"]], *([name] for name in rule["pick_by"]["cases"].values())]
    needs += [[name] for name in preset.options.get("keep_rows", {})]
    return [{normalise_header(name) for name in alternatives} for alternatives in needs]


def find_preset(headers: list[str], presets: list[Preset]) -> Preset | None:
    """The preset saved for exactly these headers, else the one reading the most headers that
    finds every header it needs (one of each list of alternatives), else None."""
    signature = header_signature(headers)
    exact = [p for p in presets if p.header_signature == signature]
    if exact:
        return exact[0]
    present = {normalise_header(h) for h in headers}
    fitting = [p for p in presets if all(alternatives & present for alternatives in _needs(p))]
    return max(fitting, key=lambda p: len(set().union(*_needs(p)) & present), default=None)


def _matches(synonym: str, header: str) -> bool:
    return header.startswith(synonym[:-1]) if synonym.endswith("*") else header == synonym


def _plausible(sql_type: str, sample: pd.Series) -> bool:
    """A header's sample values can become the column type (at least half of the non-empty ones)."""
    sample = sample[~parsing.is_empty(sample)]
    parser = {"TIMESTAMP": parsing.parse_datetime, "DOUBLE": parsing.parse_duration_min,
              "INTEGER": parsing.parse_number, "BOOLEAN": parsing.parse_is_missed}.get(sql_type)
    return sample.empty or parser is None or parser(sample)[1].mean() <= 0.5


def _propose_for(table: str, headers: list[str], sample: pd.DataFrame) -> Proposal:
    spec, used, mapping = TABLES[table], set(), {}
    normalised = [normalise_header(h) for h in headers]
    for column, names in synonyms()["headers"][table].items():
        for synonym in (column, *names):
            found = [h for h, n in zip(headers, normalised) if h not in used and _matches(synonym, n)
                     and _plausible(spec.columns[column], sample[h] if h in sample else pd.Series([], dtype="str"))]
            if found:
                mapping[column] = found[0]
                used.add(found[0])
                break
    missing = [c for c in spec.required if c not in mapping]
    optional = [c for c in spec.columns if c not in spec.required]
    score = (len(spec.required) - len(missing)) / len(spec.required)
    score += 0.1 * sum(c in mapping for c in optional) / len(optional)
    constants = {}
    if table == "interactions" and "channel" not in mapping and "duration_min" in mapping:
        constants["channel"] = "call"
    return Proposal(table, mapping, constants, round(score, 4), missing)


def propose_mapping(headers: list[str], sample_rows, table: str | None = None) -> Proposal:
    """Headers + rows (lists of cells or a DataFrame; the more, the surer the date order) → the
    table with the best coverage of its required columns (or ``table`` when given), a mapping
    canonical column → header, and options: the date order settled from the rows ('dmy' |
    'mdy'), plus ``ambiguous_dates`` (headers of slash dates that could be either: the UI should
    ask) when nothing settles it."""
    sample = sample_rows if isinstance(sample_rows, pd.DataFrame) else pd.DataFrame(list(sample_rows), columns=headers)
    sample = sample.astype("str")
    proposals = [_propose_for(name, headers, sample) for name in synonyms()["headers"]
                 if table is None or name == table]
    best = max(proposals, key=lambda p: (p.score >= 1, -len(p.missing_required), len(p.mapping), p.score))
    dated = [h for c, h in best.mapping.items() if TABLES[best.table].columns[c] == "TIMESTAMP"]
    orders = {h: parsing.settle_date_order(sample[h]) for h in dated}
    settled = [order for order, ambiguous in orders.values() if not ambiguous]
    best.options["date_order"] = "mdy" if "mdy" in settled else "dmy"
    if not settled and any(ambiguous for _, ambiguous in orders.values()):
        best.options["ambiguous_dates"] = [h for h, (_, ambiguous) in orders.items() if ambiguous]
    return best


def _cells(rows: pd.DataFrame, header: str) -> pd.Series:
    """The column of ``rows`` whose header matches ``header`` once both are normalised."""
    found = _find(rows, header)
    if found is None:
        raise ValueError(f"the file has no column {header!r}")
    return found


def _find(rows: pd.DataFrame, header: str) -> pd.Series | None:
    wanted = normalise_header(header)
    return next((rows[name] for name in rows.columns if normalise_header(name) == wanted), None)


def _source(rows: pd.DataFrame, headers: str | list[str]) -> tuple[pd.Series, pd.Series]:
    """Cells of a header, or the first non-empty of several (those the file has) → (cells, name of
    the header used)."""
    names = [headers] if isinstance(headers, str) else list(headers)
    columns = [c for c in (_find(rows, name) for name in names) if c is not None] or [_cells(rows, names[0])]
    if len(columns) == 1:  # one header (the usual case): its cells, empty ones as ""
        column = columns[0]
        cells = column.where(~parsing.is_empty(column), "").rename(None)
        return cells, pd.Series(column.name, index=rows.index, dtype="str")
    cells = pd.Series("", index=rows.index, dtype="str")
    used = pd.Series(columns[0].name, index=rows.index, dtype="str")
    for column in reversed(columns):
        present = ~parsing.is_empty(column)
        cells, used = cells.where(~present, column), used.where(~present, column.name)
    return cells, used


def _recode(column: str, cells: pd.Series, options: dict) -> pd.Series:
    """Preset value map (its "*" key: the value for anything else), then the built-in enum
    synonyms; values with no entry stay as they are."""
    preset_values = {key.lower(): value for key, value in options.get("values", {}).get(column, {}).items()}
    table = {**synonyms()["enum_values"].get(column, {}), **preset_values}
    if not table:
        return cells
    key = cells.astype("str").str.strip().str.lower()
    recoded = key.map({k: v for k, v in table.items() if k != "*"})
    if "*" in table:
        recoded = recoded.where(recoded.notna() | parsing.is_empty(cells), table["*"])
    return recoded.where(recoded.notna(), cells).astype("str")


def _parse(table: str, column: str, cells: pd.Series, options: dict) -> tuple[pd.Series, pd.Series, str]:
    """Cells of one canonical column → (typed values, bad mask, reason)."""
    spec, sql_type = TABLES[table], TABLES[table].columns[column]
    if sql_type == "TIMESTAMP":
        return (*parsing.parse_datetime(cells, order=options.get("date_order")), BAD_DATE)
    if sql_type == "DOUBLE" and column.endswith("_min"):
        unit = options.get("units", {}).get(column, "min")
        return (*parsing.parse_duration_min(cells, unit=unit, decimal=options.get("decimal")), BAD_DURATION)
    if sql_type in ("DOUBLE", "INTEGER"):
        values, bad = parsing.parse_number(cells, decimal=options.get("decimal"))
        if sql_type == "DOUBLE":
            return values, bad, BAD_NUMBER
        low, high = spec.ranges.get(column, (-(2**31), 2**31 - 1))
        wrong = values.notna() & ((values % 1 != 0) | (values < low) | (values > high))
        return values.where(~wrong).astype("Int64"), bad | wrong, f"not a whole number from {low} to {high}"
    if sql_type == "BOOLEAN":
        parser, reason = ((parsing.parse_is_missed, BAD_CALL_STATUS) if column == "is_missed"
                          else (parsing.parse_bool, BAD_BOOLEAN))
        return (*parser(cells), reason)
    values, bad = parsing.parse_text(cells)
    allowed = spec.enums.get(column)
    if allowed:
        bad = bad | (values.notna() & ~values.isin(allowed))
        return values, bad, f"unknown value (expected one of {', '.join(allowed)})"
    return values, bad, ""


def _derive(rows: pd.DataFrame, rule: dict, options: dict) -> tuple[pd.Series, list[tuple[pd.Series, str]], pd.Series]:
    """Rows → (derived cells or typed minutes, [(bad mask, reason)], raw text for rejects)."""
    if "minutes_between" in rule:
        raw_start, raw_end = (_cells(rows, h).astype("str") for h in rule["minutes_between"])
        (start, start_bad), (end, end_bad) = (parsing.parse_datetime(raw, order=options.get("date_order"))
                                              for raw in (raw_start, raw_end))
        minutes = ((end - start).dt.total_seconds() / 60).astype("float64")
        backwards = (minutes < 0).fillna(False).astype(bool)
        problems = [(start_bad | end_bad, BAD_DATE), (backwards, BAD_ORDER)]
        return minutes.where(~backwards), problems, raw_start + " → " + raw_end
    pick = rule["pick_by"]
    key = _cells(rows, pick["column"]).astype("str").str.strip().str.lower()
    cells = pd.Series("", index=rows.index, dtype="str")
    for value, header in pick["cases"].items():
        cells = cells.where(key != value.lower(), _cells(rows, header))
    return cells, [], cells


def _rejects(mask: pd.Series, column: str, reason: str, raw: pd.Series) -> list[Reject]:
    hit = mask[mask]
    return [Reject(int(line), column, reason, str(raw.get(line, ""))[:RAW_LIMIT]) for line in hit.index]


def _skipped(rows: pd.DataFrame, keep_rows: dict) -> list[Reject]:
    skipped, seen = [], set()
    for header, allowed in keep_rows.items():
        cells = _cells(rows, header)
        out = ~cells.astype("str").str.strip().str.lower().isin([a.lower() for a in allowed])
        reason = f"skipped: {cells.name} is not {' / '.join(allowed)}"
        skipped += [r for r in _rejects(out, cells.name, reason, cells) if r.line not in seen]
        seen.update(out[out].index)
    return skipped


def _column(rows: pd.DataFrame, spec: Preset | Proposal, column: str, options: dict
            ) -> tuple[pd.Series, pd.Series, list[Reject]]:
    """One canonical column from its header(s), constant and/or derivation → (values, bad, rejects)."""
    dtype = DTYPES[TABLES[spec.table].columns[column]]
    values, bad, rejects = pd.Series(None, index=rows.index, dtype=dtype), pd.Series(False, index=rows.index), []
    if column in spec.mapping:
        cells, used = _source(rows, spec.mapping[column])
        values, bad, reason = _parse(spec.table, column, _recode(column, cells, options), options)
        for name in used[bad].unique():
            rejects += _rejects(bad & (used == name), name, reason, cells)
    elif column in spec.constants:
        cells = pd.Series(str(spec.constants[column]), index=rows.index, dtype="str")
        values, bad, reason = _parse(spec.table, column, _recode(column, cells, options), options)
        rejects += _rejects(bad, column, reason, cells)
    rule = spec.derived.get(column)
    if rule is not None:
        derived, problems, raw = _derive(rows, rule, options)
        if not pd.api.types.is_float_dtype(derived):
            derived, parse_bad, reason = _parse(spec.table, column, _recode(column, derived, options), options)
            problems.append((parse_bad, reason))
        gap = values.isna() & ~bad
        for mask, reason in problems:
            rejects += _rejects(mask & gap, column, reason, raw)
            bad = bad | (mask & gap)
        values = values.where(~gap, derived)
    return values, bad, rejects


def apply_mapping(raw: RawTable, spec: Preset | Proposal) -> Mapped:
    """RawTable (one row per record, text) → Mapped: one row per kept record, canonical typed columns.

    Rejects name the export's header (the canonical column for constants, derived and missing
    values) and keep the raw cell truncated to 200 characters; rows with the wrong number of
    fields (``raw.bad_rows``) come first. ValueError when a required column has no source or a
    mapped header is not in the file.
    """
    table, options = TABLES[spec.table], spec.options
    unmapped = [c for c in table.required if c not in spec.mapping and c not in spec.constants
                and c not in spec.derived]
    if unmapped:
        raise ValueError(f"no column is mapped to the required {', '.join(unmapped)}")
    skipped = _skipped(raw.rows, options.get("keep_rows", {}))
    rows = raw.rows.drop(index=[r.line for r in skipped])
    out, rejects = {}, []
    for column in table.columns:
        values, bad, found = _column(rows, spec, column, options)
        if column in table.required:
            found += _rejects(values.isna() & ~bad, column, MISSING_REQUIRED, pd.Series(dtype="str"))
        out[column], rejects = values, rejects + found
    bad_lines = {r.line for r in rejects}
    frame = pd.DataFrame(out, index=rows.index).drop(index=sorted(bad_lines))
    ordered = sorted(rejects, key=lambda r: r.line)  # stable: schema column order within a line
    return Mapped(_typed(spec.table, frame), [*raw.bad_rows, *ordered], skipped)


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical dtypes: str, datetime64[us], float64, Int64, boolean."""
    return frame.astype({c: DTYPES[t] for c, t in TABLES[table].columns.items()})
