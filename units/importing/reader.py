"""The one hardened reader of import files (issue 11): CSV and JSON, streamed, under limits.

Every kind's file goes through here, so each bad file ends the same way:
- refused whole, before any row is saved (`ImportFileError`): larger than IMPORT_MAX_FILE_BYTES,
  more rows than IMPORT_MAX_ROWS, a file that is not UTF-8 (the pre-pass names the lines of a
  CSV, the item of a JSON file), a header without the kind's required columns;
- one row rejected with its line (CSV) or item (JSON), the others imported: a NUL byte, a field
  over IMPORT_MAX_FIELD_BYTES, a physical line over IMPORT_MAX_LINE_BYTES, more cells than the
  header has names, a JSON item nested deeper than IMPORT_MAX_JSON_DEPTH, CSV it cannot parse;
- a JSON file that stops being JSON part-way: what came before is kept and the error names the
  item where reading stopped and says so (JSON cannot be read past a syntax error).

Memory stays bounded whatever the file: CSV is read one physical line at a time (at most
IMPORT_MAX_LINE_BYTES of it), JSON through ijson's event parser (`basic_parse`, linear even
for 200 KB of nested brackets, where ijson's `items()` builds quadratic prefixes and takes
gigabytes) with the items built here, depth-guarded.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import ijson
from ijson.common import ObjectBuilder

from .limits import ImportLimits, bytes_text

CHUNK = 1 << 20


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message says why, naming the limit or line."""


class RowInvalid(ValueError):
    """A row (or JSON item) that cannot be imported; the message is the reason."""


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is slow, and there is one per row
class Record:
    """One row of a CSV (`cells`: column → text) or one item of a JSON file (`cells`: the item,
    any JSON value). `where` is how the report names it ("line 3", "item 3"); `error` is set
    when the reader already rejects it (its cells, when readable, still name its local_id)."""

    where: str
    number: int
    cells: Any
    error: str = ""


def file_format(name: str) -> str:
    """'csv' or 'json' from a file name; ImportFileError otherwise."""
    lowered = str(name).lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith(".json"):
        return "json"
    raise ImportFileError("the file must be .csv or .json (CSL-JSON)")


# --------------------------------------------------------------------------------------------
# The pre-pass: what refuses a file whole, before anything is saved
# --------------------------------------------------------------------------------------------
def file_check(stream: IO[bytes], *, fmt: str, limits: ImportLimits) -> int | None:
    """Check a whole file before its import and rewind it. Returns the CSV's row count (for the
    progress bar), None for JSON. Raises ImportFileError when the file is too large, has too
    many rows, or is not UTF-8: the message names the first bad lines (CSV) or item (JSON)."""
    size = _stream_size(stream)
    if size is not None and size > limits.max_file_bytes:
        raise ImportFileError(
            f"the file is {bytes_text(size)}, more than IMPORT_MAX_FILE_BYTES ({bytes_text(limits.max_file_bytes)}); "
            "nothing was imported: split it"
        )
    try:
        if fmt == "csv":
            return _csv_check(stream, limits)
        _json_utf8_check(stream, limits)
        stream.seek(0)
        if size is None or size > limits.max_rows:  # smaller files cannot hold too many items
            _json_count_check(stream, limits)
        return None
    finally:
        stream.seek(0)


def _stream_size(stream) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        try:
            return len(stream.getbuffer())
        except (AttributeError, TypeError):
            return None


def _utf8_scan(stream: IO[bytes], limits: ImportLimits) -> tuple[int, bytes, list[tuple[int, int]]]:
    """Read the whole file once: (line ends, its last byte, [(line, byte offset)] of the first
    bytes that are not UTF-8). Raises ImportFileError past IMPORT_MAX_FILE_BYTES."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines, bad, read, last = 0, [], 0, b""
    while chunk := stream.read(CHUNK):
        if read + len(chunk) > limits.max_file_bytes:
            raise ImportFileError(f"the file is more than IMPORT_MAX_FILE_BYTES ({bytes_text(limits.max_file_bytes)}); "
                                  "nothing was imported: split it")
        pending = decoder.getstate()[0]
        data, position = pending + chunk, 0
        while len(bad) < 5:
            try:
                decoder.decode(data[position:] if position else chunk)
                break
            except UnicodeDecodeError as error:
                offset = position + error.start
                bad.append((newlines + _line_ends(data[:offset]) + 1, read - len(pending) + offset))
                decoder.reset()
                position = offset + 1
        newlines += _line_ends(chunk)
        read += len(chunk)
        last = chunk[-1:]
    try:
        decoder.decode(b"", final=True)  # a character cut short by the end of the file
    except UnicodeDecodeError:
        bad.append((newlines + 1, read - 1))
    return newlines, last, bad


def _csv_check(stream: IO[bytes], limits: ImportLimits) -> int:
    newlines, last, bad = _utf8_scan(stream, limits)
    if bad:
        shown = ", ".join(f"{n:,}" for n in dict.fromkeys(line for line, _ in bad))
        raise ImportFileError(
            f"the file is not UTF-8 text (line {shown}); nothing was imported: save it as UTF-8 CSV and import it again"
        )
    lines = newlines + (1 if last not in (b"", b"\n", b"\r") else 0)
    rows = max(lines - 1, 0)
    if rows > limits.max_rows:
        raise ImportFileError(
            f"the file has {rows:,} rows, more than IMPORT_MAX_ROWS ({limits.max_rows:,}); nothing was imported: split it"
        )
    return rows


def _json_utf8_check(stream: IO[bytes], limits: ImportLimits) -> None:
    """A JSON file is UTF-8 text (RFC 8259): one that is not is refused whole, naming the item
    where the first bad byte is (the items before it are counted, not built)."""
    _, _, bad = _utf8_scan(stream, limits)
    if not bad:
        return
    line, offset = bad[0]
    stream.seek(0)
    prefix = io.BufferedReader(_Prefix(stream, offset))
    counter = _JsonItems(limits, _json_item_depth(prefix, "JSON"), build=False)
    try:
        for _ in counter.read(ijson.basic_parse(prefix)):
            pass
    except (ijson.JSONError, ImportFileError):
        pass
    raise ImportFileError(f"the file is not UTF-8 text (item {counter.complete + 1:,}, line {line:,}); nothing was "
                          "imported: save it as UTF-8 and import it again")


class _Prefix(io.RawIOBase):
    """The first `size` bytes of a stream."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(min(len(buffer), self.left))
        self.left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def _line_ends(data: bytes) -> int:
    """Line ends in `data`: \\n, \\r\\n and a lone \\r (old Mac spreadsheets) each end one line."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _json_count_check(stream: IO[bytes], limits: ImportLimits) -> None:
    """Count the items without building them; a syntax error ends the count quietly (the
    import itself reports it, with the item)."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    try:
        counter = _JsonItems(limits, _json_item_depth(buffered, "JSON"), build=False)
        for _ in counter.read(ijson.basic_parse(buffered)):
            pass
    except (ijson.JSONError, ImportFileError) as error:
        if isinstance(error, ImportFileError) and "IMPORT_MAX_ROWS" in str(error):
            raise ImportFileError(f"{error}; nothing was imported: split it") from None


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------
def _physical_lines(stream: IO[bytes], limits: ImportLimits, too_long: set[int]) -> Iterator[str]:
    """Decoded physical lines (ended by \\n, \\r\\n or a lone \\r, as spreadsheets write them),
    none longer than the limit: an over-long line is skipped whole (read through in chunks)
    and given to the CSV parser as an empty line; `too_long` gets its number so the row it
    belonged to is rejected."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    number = 0
    try:
        while line := text.readline(limits.max_line_bytes + 1):
            number += 1
            if len(line) > limits.max_line_bytes and not line.endswith(("\n", "\r")):
                while line and not line.endswith(("\n", "\r")):
                    line = text.readline(CHUNK)
                too_long.add(number)
                yield "\n"
                continue
            yield line
    except UnicodeDecodeError:
        raise ImportFileError(f"line {number + 1:,} is not UTF-8 text; save the file as UTF-8 CSV") from None
    finally:
        try:
            text.detach()  # the caller's stream stays open
        except ValueError:  # it was closed already
            pass


def read_csv(stream: IO[bytes], *, required: tuple[str, ...], expected: tuple[str, ...],
             limits: ImportLimits) -> Iterator[Record]:
    """Records of a CSV byte stream. The header is line 1 and each record carries the line it
    starts on, as an editor shows it. Raises ImportFileError when the header lacks a required
    column (before any record)."""
    if csv.field_size_limit() < limits.max_line_bytes:
        # The csv module's own cap (128 KiB) would end a long field with a vague csv.Error;
        # fields are measured below, against IMPORT_MAX_FIELD_BYTES, with a clear reason.
        csv.field_size_limit(limits.max_line_bytes)
    too_long: set[int] = set()
    lines = _physical_lines(stream, limits, too_long)
    try:
        yield from _csv_records(csv.reader(lines), required, expected, too_long, limits)
    finally:
        lines.close()


def _csv_records(reader, required, expected, too_long: set[int], limits: ImportLimits) -> Iterator[Record]:
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"the file is not CSV: {exc}") from None
    columns = [name.strip().lstrip("\ufeff").lower() for name in header]
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFileError(f"the header lacks the column(s) {', '.join(missing)}; expected: {', '.join(expected)}")
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            last_line = reader.line_num
            yield Record(f"line {start}", start, None, f"not valid CSV: {exc}")
            continue
        last_line = reader.line_num
        record = _csv_record(start, last_line, columns, cells, too_long, limits)
        if record is not None:
            yield record


def _csv_record(start: int, end: int, columns: list[str], cells: list[str], too_long: set[int],
                limits: ImportLimits) -> Record | None:
    where = f"line {start}"
    long_lines = [n for n in range(start, end + 1) if n in too_long] if too_long else None
    if long_lines:
        too_long.difference_update(long_lines)
        return Record(where, start, None, f"line {long_lines[0]} is longer than IMPORT_MAX_LINE_BYTES "
                                          f"({bytes_text(limits.max_line_bytes)}); the row was not read")
    if not any(cell.strip() for cell in cells):
        return None
    row = dict(zip(columns, cells))
    if len(cells) > len(columns):
        return Record(where, start, row, f"{len(cells)} cells for {len(columns)} columns")
    # One C-level test per row for the common case; the offending column is looked for only then.
    if "\x00" in "".join(cells):
        name = next(name for name, cell in zip(columns, cells) if "\x00" in cell)
        return Record(where, start, row, f"column '{name[:40]}' holds a NUL byte, which is not text "
                                         "(was the file saved as text?)")
    if max(map(len, cells)) * 4 > limits.max_field_bytes:
        for name, cell in zip(columns, cells):
            size = len(cell.encode())
            if size > limits.max_field_bytes:
                return Record(where, start, row, f"column '{name[:40]}' is {bytes_text(size)}, more than "
                                                 f"IMPORT_MAX_FIELD_BYTES ({bytes_text(limits.max_field_bytes)})")
    return Record(where, start, row)


# --------------------------------------------------------------------------------------------
# JSON: an array of items, or an object with them in "items"
# --------------------------------------------------------------------------------------------
def _json_item_depth(buffered: io.BufferedReader, kind_label: str) -> int:
    head = buffered.peek(64)[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"["):
        return 1
    if head.startswith(b"{"):
        return 2
    raise ImportFileError(f"the file is not {kind_label} (expected an array of items)")


def read_json(stream: IO[bytes], *, limits: ImportLimits, kind_label: str = "JSON") -> Iterator[Record]:
    """Records of a JSON file, numbered from 1 ("item 3"): the items of a top-level array, or
    of the top-level object's "items". Raises ImportFileError when the file is not that shape
    or stops being JSON; the message names the item, and the items before it were handed out."""
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(stream)
    item_depth = _json_item_depth(buffered, kind_label)
    items = _JsonItems(limits, item_depth)
    try:
        yield from items.read(ijson.basic_parse(buffered, use_float=True))
    except ijson.JSONError as exc:
        # yajl's message quotes the bytes around the error (the file's content): keep its first line.
        reason = str(exc).removeprefix("b'").removeprefix('b"').replace("\\n", "\n").split("\n", 1)[0].strip()
        done = items.complete
        before = f"items 1 to {done} were imported, nothing after" if done else "nothing was imported"
        reason = reason or "it ends too soon"
        raise ImportFileError(f"the file is not valid JSON after item {done} ({reason[:120]}); {before}") from None
    if items.number == 0 and item_depth == 2 and not items.saw_items_key:
        raise ImportFileError(
            f'the file is not {kind_label}: expected an array of items, or an object with them in "items"'
        )


_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


class _JsonItems:
    """Builds the items out of ijson's events, each under the depth and field limits; an item
    over a limit is read through without being built and handed out as rejected. With
    `build=False` it only counts them (the pre-pass)."""

    def __init__(self, limits: ImportLimits, item_depth: int, *, build: bool = True) -> None:
        self.limits, self.item_depth, self.build = limits, item_depth, build
        self.number, self.complete, self.saw_items_key = 0, 0, False
        # Where the parser is: open containers, the top object's last key, inside the items.
        self.depth, self.key, self.in_items = 0, None, item_depth == 1
        self.in_item, self.builder, self.error = False, None, ""

    def read(self, events) -> Iterator[Record]:
        for event, value in events:
            if not self.in_item and self.in_items and self.depth == self.item_depth and event not in _CLOSES:
                self._item_begin()
            if not self.in_item:
                self._outside(event, value)
            elif self._inside(event, value):  # the item is complete
                self.complete += 1
                self.in_item = False
                yield self._record(self.builder, self.error)

    def _item_begin(self) -> None:
        self.number += 1
        if self.number > self.limits.max_rows:
            raise ImportFileError(f"the file has more than IMPORT_MAX_ROWS ({self.limits.max_rows:,}) items")
        self.in_item, self.error = True, ""
        self.builder = ObjectBuilder() if self.build else None

    def _inside(self, event, value) -> bool:
        """Feed an event of the current item; True when it completes the item."""
        self.depth += (event in _OPENS) - (event in _CLOSES)
        if self.build:
            self.error = self.error or self._check(value, self.depth)
            if not self.error:
                self.builder.event(event, value)
        return self.depth == self.item_depth

    def _outside(self, event, value) -> None:
        """An event between items: follow the top-level object to its "items" array."""
        if event in _OPENS:
            if self.depth == 1 and event == "start_array" and self.key == "items" and self.item_depth == 2:
                self.in_items = self.saw_items_key = True
            self.depth += 1
        elif event in _CLOSES:
            self.depth -= 1
            if self.depth == 1 and self.item_depth == 2:
                self.in_items = False
        elif event == "map_key" and self.depth == 1:
            self.key = value

    def _check(self, value, depth) -> str:
        if depth > self.limits.max_json_depth:
            return f"it is nested deeper than IMPORT_MAX_JSON_DEPTH ({self.limits.max_json_depth} levels)"
        if isinstance(value, str):
            if "\x00" in value:
                return "it holds a NUL character, which is not text"
            if len(value) * 4 > self.limits.max_field_bytes and len(value.encode()) > self.limits.max_field_bytes:
                return (f"a value is {bytes_text(len(value.encode()))}, more than IMPORT_MAX_FIELD_BYTES "
                        f"({bytes_text(self.limits.max_field_bytes)})")
        return ""

    def _record(self, builder, error: str) -> Record:
        where = f"item {self.number}"
        if error or not self.build:
            return Record(where, self.number, None, error)
        return Record(where, self.number, builder.value)
