"""Reading real exports (CSV in any of four encodings, xlsx, Bitrix24's HTML "Excel") into text cells.

Nothing here touches the database. The kind of a file is decided by its bytes, never its name;
compressed or binary files are refused and never decompressed. Every cell comes back as a
string; typing is :mod:`warehouse.parsing`'s job. Row positions are 1-based file lines of the
record's first line, the header being line 1 (a quoted newline makes a record span lines).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html.parser
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from warehouse import ingest
from warehouse.cellrules import is_utf8
from warehouse.ingest import RAW_LIMIT, Reject

DELIMITERS = (",", ";", "\t")
SAMPLE_BYTES = 64 * 1024
BLOCK_BYTES = 4 * 1024 * 1024
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_BINARY_MAGIC = ((b"%PDF", "a PDF document"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                 (b"GIF8", "a GIF image"), (b"\xd0\xcf\x11\xe0", "a legacy .xls/.doc file (save it as .xlsx or .csv)"),
                 (b"Rar!", "a RAR archive"), (b"7z\xbc\xaf", "a 7-Zip archive"))
_BOX_OR_REPLACEMENT = re.compile("[\u2500-\u257f\ufffd]")


class UnreadableFile(ValueError):
    """The file cannot be read as a table. ``code``: 'empty', 'gzip', 'zip', 'binary' (by content),
    'encoding', 'mojibake', 'quote', 'xlsx' (unreadable workbook, or an xlsx/html file given to
    iter_chunks), 'html'; ``line``: 1-based file line when one is to blame."""

    def __init__(self, code: str, message: str, line: int | None = None):
        super().__init__(message)
        self.code, self.message, self.line = code, message, line


@dataclass
class RawTable:
    """A file's cells as text: ``rows`` has one column per (deduplicated) header, index = file line.

    ``records_count`` is counted apart from the parser (a quote-aware newline scan for CSV, rows
    for xlsx/html) so that ``len(rows) + len(bad_rows) == records_count`` can be checked.
    """

    headers: list[str]
    rows: pd.DataFrame
    encoding: str | None
    delimiter: str | None
    kind: str
    records_count: int
    bad_rows: list[Reject] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        """Parsed rows + rows with the wrong field count == records counted apart."""
        return len(self.rows) + len(self.bad_rows) == self.records_count

    @classmethod
    def from_chunk(cls, frame: pd.DataFrame) -> RawTable:
        """One frame of :func:`iter_chunks` → RawTable; records_count is the parser's own here
        (rows + bad rows): reconcile a whole file against :func:`count_records`."""
        attrs = frame.attrs
        return cls(attrs["headers"], frame, attrs["encoding"], attrs["delimiter"], "csv",
                   len(frame) + len(attrs["bad_rows"]), attrs["bad_rows"])


def _is_xlsx(data: bytes) -> bool:
    """A zip holding xl/workbook.xml (the member list is read, nothing is decompressed); a prefix
    of a zip too short for its directory is judged by the member names in its local headers."""
    try:
        return "xl/workbook.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return b"xl/workbook.xml" in data[:SAMPLE_BYTES] or b"xl/_rels/" in data[:SAMPLE_BYTES]


def sniff_kind(data: bytes) -> str:
    """A file's bytes (or its first 64 KiB) → 'csv' | 'xlsx' | 'html' | 'parquet', or UnreadableFile (code
    'empty', 'gzip', 'zip' or 'binary') for anything else."""
    head = data[:SAMPLE_BYTES]
    if not head.strip() and not data[SAMPLE_BYTES:].strip():
        raise UnreadableFile("empty", "The file is empty.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\x1f\x8b"):
        raise UnreadableFile("gzip", "This is a gzip-compressed file, not a table. Unpack it and upload the CSV inside.")
    if head.startswith(b"PK"):
        if _is_xlsx(data):
            return "xlsx"
        raise UnreadableFile("zip", "This is a zip archive, not a table. Unpack it and upload the file inside.")
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise UnreadableFile("binary", f"This is {what}, not a CSV or Excel table.")
    if b"\x00" in head:
        raise UnreadableFile("binary", "This is a binary file, not a CSV or Excel table.")
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith(b"<") and b"<table" in text:
        return "html"
    return "csv"


def _complete_utf8(block: bytes) -> int:
    """Length of ``block`` up to its last whole UTF-8 character (a character split across
    blocks is carried over to the next one)."""
    for back in range(1, min(4, len(block)) + 1):
        byte = block[-back]
        if byte < 0x80:
            return len(block)
        if byte >= 0xC0:  # a lead byte: is its character complete?
            width = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(block) if back >= width else len(block) - back
    return len(block)


def _encoding_of(stream) -> str:
    """BOM, else strict UTF-8 over the whole stream (checked block by block, nothing kept), else
    cp1251. The stream is rewound."""
    prefix = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    for bom, name in _BOMS:
        if prefix.startswith(bom):
            return name
    try:
        carried = b""
        for block in iter(lambda: stream.read(BLOCK_BYTES), b""):
            block = carried + block
            whole = _complete_utf8(block)
            if not is_utf8(block[:whole]):
                return "cp1251"
            carried = block[whole:]
        return "utf-8" if is_utf8(carried) else "cp1251"
    finally:
        stream.seek(0)


def _codec(encoding: str) -> str:
    """Python codec for an encoding label: the BOM-aware 'utf-16' strips the BOM it was found by."""
    return "utf-16" if encoding.startswith("utf-16") else encoding


def decode(data: bytes) -> tuple[str, str]:
    """Bytes → (text, encoding); encodings tried: BOM (utf-8-sig, utf-16-le/be), utf-8, cp1251."""
    encoding = _encoding_of(io.BytesIO(data))
    try:
        return data.decode(_codec(encoding)), encoding
    except UnicodeDecodeError as error:
        raise UnreadableFile("encoding", f"The file is not valid {encoding} text (byte {error.start}).") from None


def looks_like_mojibake(text: str) -> bool:
    """True when text is UTF-8 that was once read as cp1251/latin-1 ('РЎСѓРјРјР°', 'Ð¡ÑƒÐ¼Ð¼Ð°')
    or holds box-drawing / replacement characters."""
    if _BOX_OR_REPLACEMENT.search(text):
        return True
    if text.isascii():
        return False
    for wrong in ("cp1251", "cp1252", "latin-1"):
        try:
            text.encode(wrong).decode("utf-8")
            return True
        except UnicodeError:
            continue
    return False


def _unique_headers(cells: list[str]) -> list[str]:
    """Trimmed headers; repeats become 'Name (2)', 'Name (3)'; blanks 'Column N'."""
    seen: dict[str, int] = {}
    out = []
    for position, cell in enumerate(cells, start=1):
        name = " ".join(cell.split()) or f"Column {position}"
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _check_header(headers: list[str]) -> None:
    if looks_like_mojibake(" ".join(headers)):
        raise UnreadableFile("mojibake", "The column names look garbled (text decoded with the wrong encoding "
                                         f"at some point): {' | '.join(headers)[:RAW_LIMIT]}")


def detect_delimiter(sample: str) -> str:
    """The delimiter whose count outside quotes is the same on the header and most sample records."""
    lines = sample.splitlines(keepends=True)[:50]
    if len(lines) > 1 and len(sample) >= SAMPLE_BYTES:
        lines = lines[:-1]  # the sample may end mid-line
    best, best_key = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        agreeing = sum(len(row) == width for row in rows[1:]) / max(len(rows) - 1, 1)
        if (agreeing, width) > best_key:
            best, best_key = delimiter, (agreeing, width)
    return best


def _records(stream, delimiter: str, first_line: int = 1) -> Iterator[tuple[int, list[str]]]:
    """Text stream → (first file line, cells) per non-blank record; a broken quote names its line.
    ``first_line``: the file line the stream starts at (a stream from a record inside the file)."""
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    start = first_line
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise UnreadableFile("quote", f"Line {start}: a quoted value is never closed or is malformed "
                                          f"({error}); check the quotes on that line.", line=start) from None
        except UnicodeDecodeError as error:
            raise UnreadableFile("encoding", f"Near line {start}: bytes that are not valid text ({error.reason}).",
                                 line=start) from None
        if row:
            yield start, row
        start = reader.line_num + first_line


def _open(source: bytes | str | Path):
    """Bytes or a path → (binary stream, first bytes)."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    prefix = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    return stream, prefix


def _frame(headers: list[str], lines: list[int], columns: list[list[str]]) -> pd.DataFrame:
    """Text cells, a list per header (in its order), and each record's line → a frame of them
    (each column made by Arrow from the list: half the time pandas takes to check every cell)."""
    data = {name: pd.Series(pa.array(values, type=pa.large_string()), dtype="str")
            for name, values in zip(headers, columns)}
    return pd.DataFrame(data, columns=headers).set_axis(pd.Index(lines, dtype="int64", name="line"))


class _Columns:
    """Records gathered a column at a time: each cell goes to its column's list as the record
    is read, and the record's own list is freed at once. Keeping 100k records' lists until
    the frame is built made Python's collector scan them again and again (a 1M-row export:
    10.3 → 6.4 s to read)."""

    def __init__(self, width: int):
        self.columns: list[list[str]] = [[] for _ in range(width)]
        self._appends = [column.append for column in self.columns]

    def add(self, row: list[str]) -> None:
        for append, cell in zip(self._appends, row):
            append(cell)


def _fit(row: list[str], width: int, drop_trailing: bool) -> list[str] | None:
    """A record's cells fitted to the header, or None when the field count is wrong."""
    if drop_trailing and len(row) == width + 1 and row[-1] == "":
        row = row[:-1]
    return row if len(row) == width else None


def iter_chunks(source: bytes | str | Path, chunk_rows: int = 200_000, *,
                encoding: str | None = None, every_chunk: bool = False) -> Iterator[pd.DataFrame]:
    """A CSV file (bytes or path) → DataFrames of ≤ ``chunk_rows`` records, text cells, index = line.

    Records with the wrong number of fields are left out of the frame and listed in
    ``frame.attrs["bad_rows"]`` (Reject); ``frame.attrs`` also carries headers/encoding/delimiter.
    The first chunk is yielded even when the file has only a header; when the records fill the
    last chunk exactly, an empty chunk ends the stream. ``encoding``: as found before (a chunk's
    ``attrs["encoding"]``), so the file is not read once more to find it. ``every_chunk``: the
    caller reads them all (an import, not a sample): a UTF-8 or cp1251 file's records are then
    found first by a byte scan of the whole file and read by Arrow (see :func:`_arrow_chunks`).
    """
    stream, prefix = _open(source)
    with stream:
        kind = sniff_kind(prefix)
        if kind != "csv":
            raise UnreadableFile(kind, f"This is an {kind} file: read it with read_table, not as CSV chunks.")
        encoding = encoding or _encoding_of(stream)
        text = io.TextIOWrapper(stream, encoding=_codec(encoding), newline="")
        delimiter = detect_delimiter(codecs.getincrementaldecoder(_codec(encoding))("replace").decode(prefix))
        records = _records(text, delimiter)
        first = next(records, None)
        if first is None:
            raise UnreadableFile("empty", "The file is empty.")
        drop_trailing = len(first[1]) > 1 and first[1][-1].strip() == ""
        headers = _unique_headers(first[1][:-1] if drop_trailing else first[1])
        _check_header(headers)
        attrs = {"headers": headers, "encoding": encoding, "delimiter": delimiter}
        scanned = (_scanned(source, encoding, delimiter, first[1])
                   if every_chunk and encoding in _SCANNED_ENCODINGS else None)
        if scanned is None:
            yield from _chunked(records, attrs, drop_trailing, chunk_rows)
        else:
            yield from _arrow_chunks(source, scanned, attrs, drop_trailing, chunk_rows)


# Encodings whose ASCII bytes (newline, quote, delimiter) always mean those characters, so a
# file in them is scanned as bytes: one byte per character (cp1251), or UTF-8.
_SCANNED_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "cp1251": "cp1251"}


class _Scanned(NamedTuple):
    """A CSV file's bytes (without a BOM) and its records found by ingest's scan."""

    body: memoryview      # the bytes (or the file's memory map) after the BOM
    skip: int             # the BOM's length
    codec: str            # of the bytes: "utf-8" or "cp1251"
    lines: np.ndarray     # file line where each record after the header starts
    offsets: np.ndarray   # byte where each of them starts
    quoted_newlines: bool  # may a record hold a newline in quotes (False: the scan found none)


def _scanned(source: bytes | str | Path, encoding: str, delimiter: str, header: list[str]) -> _Scanned | None:
    """The file scanned for records as the canonical import scans them (numpy over its bytes),
    or None when that scan cannot tell them exactly as the csv module would: a lone CR, irregular
    quotes, or a header that is not the first line. Then the csv module reads the file."""
    data = source if isinstance(source, bytes) else ingest._read_bytes(source)
    skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
    body = memoryview(data)[skip:]
    codec = _SCANNED_ENCODINGS[encoding]
    try:
        scan = ingest._scan_bytes(body, fields=False, delimiter=delimiter, encoding=codec)
    except UnicodeDecodeError:  # a header the csv module read after skipping blank lines
        scan = None
    if scan is None or scan.header != header:
        return None
    ingest._release(data)  # the scan touched every page: back to the system until its part is read
    return _Scanned(body, skip, codec, scan.lines, scan.offsets, scan.quoted_newlines)


def _arrow_chunks(source: bytes | str | Path, scanned: _Scanned, attrs: dict, drop_trailing: bool,
                  chunk_rows: int) -> Iterator[pd.DataFrame]:
    """A scanned file → the frames :func:`_chunked` makes of it, each part of ``chunk_rows``
    records read by Arrow (UTF-8; cp1251 recoded part by part) instead of the csv module (a
    1M-row cp1251 export: 6.1 → 1.3 s to read). A part Arrow cannot read at the header's width
    (a record of another width, a trailing delimiter with text after it, a byte cp1251 does not
    define) hands the rest of the file, from that part's first record, to the csv module: its
    frames, misfits and errors are then the csv module's own, at the same lines."""
    headers, delimiter, body, lines = attrs["headers"], attrs["delimiter"], scanned.body, scanned.lines
    total = len(lines)
    for first in range(0, total + 1, chunk_rows):  # an empty last chunk when the records fill the one before
        stop = min(first + chunk_rows, total)
        start, end = ingest._span(body, scanned.offsets, first, stop) if first < total else (len(body),) * 2
        cells = _arrow_cells(body[start:end], scanned.codec, delimiter, len(headers), stop - first, drop_trailing,
                             scanned.quoted_newlines)
        if first < total:  # the part is in Arrow's cells now: a mapped file's pages go back (see ingest._release)
            ingest._release(ingest._whole(body), scanned.skip + start, scanned.skip + end)
        if cells is None:
            with _open_at(source, scanned.skip + start) as stream:
                text = io.TextIOWrapper(stream, encoding=scanned.codec, newline="")
                yield from _chunked(_records(text, delimiter, first_line=int(lines[first])), attrs,
                                    drop_trailing, chunk_rows)
            return
        frame = pd.DataFrame({name: pd.Series(column, dtype="str") for name, column in zip(headers, cells.columns)},
                             columns=headers).set_axis(pd.Index(lines[first:stop], dtype="int64", name="line"))
        frame.attrs.update(attrs, bad_rows=[])
        yield frame


def _arrow_cells(part, codec: str, delimiter: str, width: int, records: int, drop_trailing: bool,
                 quoted_newlines: bool = True) -> pa.Table | None:
    """One part's records (bytes in ``codec``) → their text cells, ``width`` columns as large
    strings; None when Arrow cannot read them so (see :func:`_arrow_chunks`)."""
    if not records:
        return pa.table({str(i): pa.array([], pa.large_string()) for i in range(width)})
    if codec != "utf-8":
        try:
            part = str(part, codec).encode("utf-8")
        except UnicodeDecodeError:
            return None
    cells = ingest._read_well_formed(part, width + drop_trailing, skip_rows=0, delimiter=delimiter,
                                     quoted_newlines=quoted_newlines)
    if cells is None or len(cells) != records:
        return None
    if drop_trailing:  # each record ends with an empty field: the csv module's _fit drops it
        last = cells.column(width)
        if pc.any(pc.not_equal(last, "")).as_py():
            return None
        cells = cells.select(range(width))
    return pa.table([column.cast(pa.large_string()) for column in cells.columns], names=cells.column_names)


def _open_at(source: bytes | str | Path, position: int):
    """A binary stream of the file (or bytes) from ``position`` on."""
    stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")
    stream.seek(position)
    return stream


def _chunked(records, attrs: dict, drop_trailing: bool, chunk_rows: int) -> Iterator[pd.DataFrame]:
    """Records → frames of ≤ chunk_rows fitted rows, each with attrs (+ its misfits as bad_rows)."""
    headers, delimiter = attrs["headers"], attrs["delimiter"]
    lines, cells, bad, done = [], _Columns(len(headers)), [], False
    while not done:
        for line, row in records:
            fitted = _fit(row, len(headers), drop_trailing)
            if fitted is None:
                raw = delimiter.join(row)[:RAW_LIMIT]
                bad.append(Reject(line, None, f"expected {len(headers)} fields, found {len(row)}", raw))
            else:
                lines.append(line)
                cells.add(fitted)
            if len(lines) >= chunk_rows:
                break
        else:
            done = True
        frame = _frame(headers, lines, cells.columns)
        frame.attrs.update(attrs, bad_rows=bad)
        yield frame
        lines, cells, bad = [], _Columns(len(headers)), []


def count_records(source: bytes | str | Path, *, encoding: str | None = None) -> int:
    """Records after the header, counted without the csv module: newlines outside quotes that end
    a non-blank record (numpy over ASCII-compatible bytes, in blocks; UTF-16 is re-encoded).
    A stray quote inside an unquoted field (``5" screen``) makes this disagree with the parser,
    which :attr:`RawTable.reconciled` then reports. ``encoding``: as found before, if it was."""
    stream, _ = _open(source)
    encoding = encoding or _encoding_of(stream)
    blocks = iter(lambda: stream.read(BLOCK_BYTES), b"")
    if encoding.startswith("utf-16"):
        decoder = codecs.getincrementaldecoder(_codec(encoding))()
        blocks = (decoder.decode(block).encode("utf-8") for block in blocks)
    parity, has_content, count = 0, False, 0
    for block in blocks:  # a record ends at a newline with an even number of quotes before it
        octets = np.frombuffer(block, dtype=np.uint8)
        quotes = np.bitwise_xor.accumulate((octets == 0x22).astype(np.uint8)) ^ parity
        ends = np.flatnonzero((octets == 0x0A) & (quotes == 0))
        content = np.cumsum((octets != 0x0A) & (octets != 0x0D))
        before = np.concatenate(([0], content[ends]))
        segment = np.diff(before)
        if len(segment):
            segment[0] += has_content
        count += int(np.count_nonzero(segment))
        tail = content[-1] - (content[ends[-1]] if len(ends) else 0) if len(content) else 0
        has_content = bool(tail) or (has_content and not len(ends))
        parity = int(quotes[-1]) if len(quotes) else parity
    stream.close()
    count += has_content  # a last record without a final newline
    return max(count - 1, 0)


class _TableParser(html.parser.HTMLParser):
    """Cells of the first <table>: one list per <tr>, text of each <td>/<th>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._depth, self._done = 0, False

    def handle_starttag(self, tag, attrs):
        if self._done:
            return
        if tag == "table":
            self._depth += 1
        elif tag == "tr" and self._depth == 1:
            self.rows.append([])
        elif tag in ("td", "th") and self._depth == 1 and self.rows:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("\n".join(" ".join(part.split()) for part in "".join(self._cell).split("\n")))
            self._cell = None
        elif tag == "table" and self._depth:
            self._depth -= 1
            self._done = self._depth == 0

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _cell_text(value) -> str:
    """An xlsx cell → text: whole floats without '.0', dates/times in ISO, booleans 'true'/'false'."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _grid_table(grid: list[list[str]], kind: str, encoding: str | None) -> RawTable:
    """Sheet rows (row n of the sheet = line n) → RawTable: the first non-blank row is the header,
    blank rows are not records, short rows are padded, cells past the header must be blank."""
    numbered = [(line, row) for line, row in enumerate(grid, start=1) if any(cell.strip() for cell in row)]
    if not numbered:
        raise UnreadableFile("empty", "The file has no rows.")
    headers = _unique_headers(numbered[0][1])
    _check_header(headers)
    width, lines, cells, bad = len(headers), [], _Columns(len(headers)), []
    for line, row in numbered[1:]:
        if any(cell.strip() for cell in row[width:]):
            bad.append(Reject(line, None, f"expected {width} fields, found {len(row)}", " | ".join(row)[:RAW_LIMIT]))
        else:
            lines.append(line)
            cells.add((row + [""] * width)[:width])
    frame = _frame(headers, lines, cells.columns)
    return RawTable(headers, frame, encoding, None, kind, len(numbered) - 1, bad)


def read_table(data: bytes, *, file_name: str) -> RawTable:
    """A whole export's bytes → RawTable (csv, xlsx first sheet, or an HTML <table>)."""
    kind = sniff_kind(data)
    if kind == "xlsx":
        import python_calamine

        try:
            sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            grid = [[_cell_text(value) for value in row] for row in sheet.to_python(skip_empty_area=False)]
        except Exception as error:  # calamine raises its own family of errors
            raise UnreadableFile("xlsx", f"{file_name}: the Excel file cannot be read ({error}).") from None
        return _grid_table(grid, "xlsx", None)
    if kind == "html":
        text, encoding = decode(data)
        parser = _TableParser()
        parser.feed(text)
        return _grid_table(parser.rows, "html", encoding)
    table = RawTable.from_chunk(next(iter_chunks(data, chunk_rows=len(data) + 1, every_chunk=True)))
    table.records_count = count_records(data)
    return table
