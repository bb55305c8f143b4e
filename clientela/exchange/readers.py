"""Uploaded import files (CSV, XLSX, vCard) as a table of text cells, read as a stream and safely.

The files come from users leaving other systems: Excel exports in whatever code page the machine had,
Google and Outlook contact exports, address books. So the reader guesses what it must (the encoding,
the delimiter, the header row below a title block), lets the user correct each guess, and refuses what
it cannot read with a message that says what is wrong and what to do. It never holds a whole file in
memory: ``Table.rows()`` opens the file again and reads it row by row, each time it is called.

Hostile or broken files (zip bombs, 10,000 columns, a cell without its closing quote, a binary file
named .csv) end as ``ImportFileError``, never as a library's exception or an exhausted server.
"""

import binascii
import codecs
import csv
import datetime
import decimal
import io
import pathlib
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import charset_normalizer
import openpyxl
import vobject
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from clientela.core.errors import DomainError

FORMATS = ("csv", "xlsx", "vcf")

# The encodings a user may choose instead of the detected one: (codec name, label). The labels are
# marked for translation but stored in English (a module constant outlives the request's language):
# show them through gettext. gb18030 is a superset of GBK and GB2312, so it reads those files too.
ENCODINGS: list[tuple[str, str]] = [
    ("utf-8", gettext_noop("Unicode (UTF-8)")),
    ("utf-8-sig", gettext_noop("Unicode (UTF-8 with BOM, as Excel saves “CSV UTF-8”)")),
    ("utf-16", gettext_noop("Unicode (UTF-16, as Excel saves “Unicode text”)")),
    ("gb18030", gettext_noop("Chinese Simplified (GB18030, GBK, GB2312)")),
    ("big5", gettext_noop("Chinese Traditional (Big5)")),
    ("cp1250", gettext_noop("Central European (Windows-1250)")),
    ("iso-8859-2", gettext_noop("Central European (ISO-8859-2)")),
    ("iso-8859-16", gettext_noop("South-Eastern European (ISO-8859-16)")),
    ("cp1252", gettext_noop("Western European (Windows-1252)")),
]
DELIMITERS = (",", ";", "\t", "|")

# vCards become rows under these headers, in English on purpose: the mapping step recognises them.
VCARD_HEADERS = [
    "Full name",
    "First name",
    "Last name",
    "Organization",
    "Title",
    "E-mail",
    "Phone",
    "Website",
    "Street",
    "City",
    "Region",
    "Postal code",
    "Country",
    "Note",
    "Kind",
    "UID",
]
VCARD_CUSTOM_PREFIX = "X-CLIENTELA-"

MAX_CELL_CHARS = 100_000
_SAMPLE_BYTES = 1024 * 1024  # what encoding detection and delimiter sniffing look at
_SCORED_CHARS = 64 * 1024  # how much decoded text the encoding tie-break weighs per candidate
_CHUNK_BYTES = 64 * 1024
_MAX_LINE_CHARS = 10_000_000  # a "line" longer than this is not a table (a binary blob, a lost newline)
_HEADER_CANDIDATES = 20  # the header is looked for among the first non-empty rows
_WIDTH_ROWS = 10  # the rows below a candidate header that tell the table's width
_SNIFF_RECORDS = 100

# Zip bombs: what an honest workbook never looks like.
_MAX_UNPACKED_BYTES = 1024**3
_UNPACK_FACTOR = 50
_MAX_MEMBER_RATIO = 200
_RATIO_CHECKED_FROM = 10 * 1024 * 1024
_MAX_MEMBERS = 10_000
_MAX_SHEET_COLUMNS = 16_384  # Excel's own limit; a wider row is not a worksheet

_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any password-protected Office file
_BINARY_SIGNATURES = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG",
    b"\xff\xd8\xff": "JPEG",
    b"GIF8": "GIF",
    b"\x1f\x8b": "gzip",
    b"Rar!": "RAR",
    b"7z\xbc\xaf\x27\x1c": "7-Zip",
}
_TEXT_EXTENSIONS = {"csv", "txt", "tsv", "tab"}
_VCARD_EXTENSIONS = {"vcf", "vcard"}
_XLSX_EXTENSIONS = {"xlsx", "xlsm"}


# A pass over every row of a file, from the top: (row number as the user sees it, cells).
_RowReader = Callable[[], Generator[tuple[int, list[str]], None, None]]


class ImportFileError(DomainError):
    """The uploaded file cannot be read as a table; the message says why and what the user can do."""

    def __init__(self, message: str, *, code: str = "unreadable_file") -> None:
        super().__init__(message, code=code)


@dataclass
class Table:
    """An uploaded file read as rows of text cells under a header row; the rows are read on demand."""

    format: str
    encoding: str
    delimiter: str
    sheets: list[str]
    sheet: str
    header_row: int
    headers: list[str]
    _raw_rows: _RowReader = field(repr=False, compare=False)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The data rows below the header row, as (row number in the file, cells fitted to the headers).

        The row number is the one the user sees: the spreadsheet's row, the CSV record (a quoted cell
        spanning lines is still one row), the vCard's position in the file. Empty rows are skipped. The
        file is read again at each call, so this can be iterated more than once.
        """
        width = len(self.headers)
        with closing(self._raw_rows()) as raw_rows:
            for index, (number, cells) in enumerate(raw_rows):
                if index <= self.header_row or not _has_content(cells):
                    continue
                yield number, (cells + [""] * (width - len(cells)))[:width]

    def preview(self, limit: int = 10) -> list[list[str]]:
        """The first rows of the file as they are, title block and header row included.

        The "choose the header row" step shows them: row ``i`` of the preview is ``header_row == i``. The
        rows are padded to one width, at least the headers', so that they show as a grid.
        """
        preview: list[list[str]] = []
        if limit <= 0:
            return preview
        with closing(self._raw_rows()) as raw_rows:
            for _number, cells in raw_rows:
                preview.append(cells)
                if len(preview) >= limit:
                    break
        width = max([len(self.headers), *(len(cells) for cells in preview)])
        return [cells + [""] * (width - len(cells)) for cells in preview]

    def count_rows(self) -> int:
        """How many data rows ``rows()`` gives, counted by reading the file through."""
        return sum(1 for _row in self.rows())


@dataclass(frozen=True)
class _Limits:
    max_bytes: int
    max_columns: int


# Opening -----------------------------------------------------------------------------------------


def detect_format(filename: str, head: bytes) -> str:
    """The format ("csv", "xlsx" or "vcf") from the file's first bytes, then its name; others are refused.

    The content goes first because names lie: Excel's "Unicode text" is a .txt, an .xlsx renamed .zip
    is still a workbook, and an old .xls renamed .xlsx would otherwise reach the workbook reader.
    """
    extension = pathlib.PurePath(filename).suffix.lower().lstrip(".")
    if head.startswith(_ZIP_SIGNATURES):
        if b"xl/" in head or extension in _XLSX_EXTENSIONS:
            return "xlsx"
        raise ImportFileError(_unsupported_message(extension, is_zip=True), code="unsupported_format")
    if head.startswith(_OLE2_SIGNATURE):
        raise ImportFileError(
            _(
                "This is an old Excel workbook (.xls) or a password-protected file, which cannot be imported. "
                "Open it in Excel, remove any password and save it as “Excel Workbook (.xlsx)” or as CSV."
            ),
            code="unsupported_format",
        )
    for signature, kind in _BINARY_SIGNATURES.items():
        if head.startswith(signature):
            raise ImportFileError(
                _("This is a %(kind)s file, not a table. Upload a CSV, Excel (.xlsx) or vCard (.vcf) file.")
                % {"kind": kind},
                code="unsupported_format",
            )
    if _starts_like_vcard(head):
        return "vcf"
    if extension in _TEXT_EXTENSIONS:
        return "csv"
    if extension in _VCARD_EXTENSIONS:
        return "vcf"
    if extension in _XLSX_EXTENSIONS:
        return "xlsx"  # not a zip: the workbook reader says it is damaged
    raise ImportFileError(_unsupported_message(extension, is_zip=False), code="unsupported_format")


def open_table(
    path: pathlib.Path,
    *,
    filename: str,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    max_bytes: int | None = None,
    max_columns: int | None = None,
) -> Table:
    """Reads the top of an uploaded file and returns it as a ``Table``; each argument overrides a guess.

    ``encoding`` and ``delimiter`` apply to CSV (the encoding to vCard too), ``sheet`` to XLSX;
    ``header_row`` (0-based among the file's rows) to CSV and XLSX, whose header row is otherwise
    detected below any title block. vCards have fixed headers and ignore it.
    """
    path = pathlib.Path(path)
    limits = _Limits(
        max_bytes=settings.CLIENTELA_IMPORT_MAX_BYTES if max_bytes is None else max_bytes,
        max_columns=settings.CLIENTELA_IMPORT_MAX_COLUMNS if max_columns is None else max_columns,
    )
    if header_row is not None and header_row < 0:
        raise ImportFileError(_("The header row must be one of the file's rows."), code="header_row")
    if delimiter is not None and delimiter not in DELIMITERS:
        raise ImportFileError(
            _("“%(delimiter)s” is not a delimiter we can read; choose comma, semicolon, tab or vertical bar.")
            % {"delimiter": delimiter},
            code="delimiter",
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as file:
            sample = file.read(_SAMPLE_BYTES)
    except OSError as error:
        raise _file_gone() from error
    if size == 0:
        raise ImportFileError(_("The file is empty: there is nothing to import."), code="empty")
    if size > limits.max_bytes:
        raise ImportFileError(
            _(
                "The file is %(size)s; the largest file an import takes is %(limit)s. "
                "Split it into smaller files and import them one by one."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.max_bytes)},
            code="too_large",
        )
    file_format = detect_format(filename, sample)
    if file_format == "xlsx":
        return _open_xlsx(path, sheet=sheet, header_row=header_row, limits=limits)
    is_complete = size <= len(sample)
    codec = _chosen_encoding(encoding) if encoding else _detect_encoding(sample, is_complete=is_complete)
    if file_format == "vcf":
        return _open_vcf(path, codec=codec, limits=limits)
    return _open_csv(
        path, sample, is_complete=is_complete, codec=codec, delimiter=delimiter, header_row=header_row, limits=limits
    )


def _file_gone() -> ImportFileError:
    return ImportFileError(_("The uploaded file cannot be read any more; upload it again."), code="missing")


def _unsupported_message(extension: str, *, is_zip: bool) -> str:
    if extension == "xls":
        return _("Old Excel workbooks (.xls) cannot be imported. Save the file as “Excel Workbook (.xlsx)” or as CSV.")
    if extension == "numbers":
        return _("Apple Numbers files cannot be imported. In Numbers, choose File › Export To › Excel or CSV.")
    if extension in {"ods", "fods"}:
        return _("OpenDocument spreadsheets cannot be imported. Save the file as “Excel 2007-365 (.xlsx)” or as CSV.")
    if is_zip:
        return _(
            "This is a zip archive, not an Excel workbook. Unpack it and upload the CSV, Excel (.xlsx) or vCard file."
        )
    return _("Files of this type cannot be imported. Upload a CSV, Excel (.xlsx) or vCard (.vcf) file.")


def _starts_like_vcard(head: bytes) -> bool:
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom) : 4096].decode(codec, errors="ignore")
            break
    else:
        text = head[:4096].decode("latin-1").removeprefix("ï»¿")
    return text.lstrip().upper().startswith("BEGIN:VCARD")


def _open_csv(
    path: pathlib.Path,
    sample: bytes,
    *,
    is_complete: bool,
    codec: str,
    delimiter: str | None,
    header_row: int | None,
    limits: _Limits,
) -> Table:
    if delimiter is None:
        delimiter = _sniff_delimiter(_decoded_sample(sample, codec, is_complete=is_complete))

    def raw_rows() -> Generator[tuple[int, list[str]], None, None]:
        return _csv_rows(path, codec, delimiter, limits)

    header_row, headers = _table_top(raw_rows, header_row)
    return Table(
        format="csv",
        encoding=codec,
        delimiter=delimiter,
        sheets=[],
        sheet="",
        header_row=header_row,
        headers=headers,
        _raw_rows=raw_rows,
    )


# The header row ------------------------------------------------------------------------------------


def _table_top(raw_rows: _RowReader, header_row: int | None) -> tuple[int, list[str]]:
    """The header row (given or detected) and its names, one per column of the widest row near it.

    Only the top of the file is read: the candidate rows, or the given row, and a few rows below.
    """
    nonempty: list[tuple[int, list[str]]] = []  # detected: from the top; given: below the header row
    header_cells: list[str] | None = None
    wanted = _HEADER_CANDIDATES + _WIDTH_ROWS if header_row is None else _WIDTH_ROWS
    read = 0
    with closing(raw_rows()) as rows:
        for index, (_number, cells) in enumerate(rows):
            read = index + 1
            if index == header_row:
                header_cells = cells
            elif _has_content(cells) and (header_row is None or index > header_row):
                nonempty.append((index, cells))
                if len(nonempty) >= wanted:
                    break
    if header_row is None:
        if not nonempty:
            raise ImportFileError(_("Every row of the file is empty: there is nothing to import."), code="empty")
        header_row = _detected_header_row(nonempty)
        header_cells = dict(nonempty)[header_row]
    elif header_cells is None:
        raise ImportFileError(
            _("The file has %(count)d rows, so row %(row)d cannot be its header row.")
            % {"count": read, "row": header_row + 1},
            code="header_row",
        )
    below = [cells for index, cells in nonempty if index > header_row][:_WIDTH_ROWS]
    width = max([1, len(header_cells), *(len(cells) for cells in below)])
    names = [cell.strip() for cell in header_cells] + [""] * (width - len(header_cells))
    return header_row, [name or _("Column %(number)d") % {"number": number} for number, name in enumerate(names, 1)]


def _detected_header_row(nonempty: list[tuple[int, list[str]]]) -> int:
    """The first row that reads like a header: several distinct labels, about as wide as the rows below.

    A title block ("Client list — export 2026", "Generated by …") has one or two cells, a data row has
    numbers, e-mails, dates or repeated values. Where no row is as wide as the rows below (a header with
    blank cells), the first row of labels will do; where there is none, the first non-empty row.
    """
    candidates = nonempty[:_HEADER_CANDIDATES]
    labelled = [(position, index) for position, (index, cells) in enumerate(candidates) if _reads_as_labels(cells)]
    for position, index in labelled:
        filled = sum(1 for cell in candidates[position][1] if cell.strip())
        below = nonempty[position + 1 : position + 1 + _WIDTH_ROWS]
        widest = max((sum(1 for cell in row if cell.strip()) for _row, row in below), default=filled)
        if filled >= 0.6 * widest:
            return index
    return labelled[0][1] if labelled else nonempty[0][0]


def _reads_as_labels(cells: list[str]) -> bool:
    """At least two filled cells, mostly text rather than values, and mostly different from each other."""
    filled = [cell.strip() for cell in cells if cell.strip()]
    labels = [cell for cell in filled if not _looks_like_value(cell)]
    return (
        len(labels) >= 2
        and len(labels) >= 0.7 * len(filled)
        and len({cell.casefold() for cell in filled}) >= 0.8 * len(filled)
    )


_NUMBER_LIKE = re.compile(r"[\d\s.,:;/+\-()%€$£¥]+")
_ADDRESS_LIKE = re.compile(r"\S+@\S+\.\S+|(https?://|www\.)\S+", re.IGNORECASE)


def _looks_like_value(cell: str) -> bool:
    """A number, amount, date, phone, e-mail or web address: what a data row holds and a header does not."""
    is_number = bool(_NUMBER_LIKE.fullmatch(cell)) and any(char.isdigit() for char in cell)
    return is_number or bool(_ADDRESS_LIKE.fullmatch(cell))


def _has_content(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _check_row(number: int, cells: list[str], limits: _Limits) -> None:
    if len(cells) > limits.max_columns:
        raise ImportFileError(
            _(
                "Row %(row)d has %(count)d columns; an import takes at most %(limit)d. "
                "Remove the columns you do not need, or check that the right delimiter was chosen."
            )
            % {"row": number, "count": len(cells), "limit": limits.max_columns},
            code="too_many_columns",
        )
    for column, cell in enumerate(cells, 1):
        if len(cell) > MAX_CELL_CHARS:
            raise _cell_too_long(number, column)


def _cell_too_long(number: int, column: int | None = None) -> ImportFileError:
    if column is None:
        message = _(
            'Row %(row)d has a cell longer than %(limit)s characters. Often a quote (") is opened and never '
            "closed; check that row in the file."
        ) % {"row": number, "limit": f"{MAX_CELL_CHARS:,}"}
    else:
        message = _(
            "Row %(row)d, column %(column)d holds more than %(limit)s characters, more than a cell may hold."
        ) % {
            "row": number,
            "column": column,
            "limit": f"{MAX_CELL_CHARS:,}",
        }
    return ImportFileError(message, code="cell_too_long")


# CSV ---------------------------------------------------------------------------------------------


class _UndecodableText(Exception):
    """A line of the file does not decode in the chosen encoding (raised after the lines before it)."""

    def __init__(self, line: int, error: UnicodeDecodeError) -> None:
        super().__init__(line)
        self.line = line
        self.error = error


class _LineTooLong(Exception):
    pass


def _csv_rows(
    path: pathlib.Path, codec: str, delimiter: str, limits: _Limits
) -> Generator[tuple[int, list[str]], None, None]:
    """Every CSV record as (record number, cells without trailing empty ones), checked against the limits."""
    reader = csv.reader(_text_lines(path, codec), delimiter=delimiter)
    number = 0
    while True:
        try:
            record = next(reader, None)
        except _UndecodableText as problem:
            raise _undecodable(number + 1, codec, is_card=False) from problem.error
        except _LineTooLong as problem:
            raise _cell_too_long(number + 1) from problem
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise _cell_too_long(number + 1) from error
            raise ImportFileError(
                _("Row %(row)d is not valid CSV; check the quotes in that row.") % {"row": number + 1},
                code="invalid_csv",
            ) from error
        except OSError as error:
            raise _file_gone() from error
        if record is None:
            return
        number += 1
        cells = _trimmed(record)
        _check_row(number, cells, limits)
        yield number, cells


def _undecodable(number: int, codec: str, *, is_card: bool) -> ImportFileError:
    if is_card:
        message = _(
            "Card %(number)d cannot be read as %(encoding)s text: the file may mix encodings. Save the file "
            "again as UTF-8, or choose the encoding it was saved in."
        )
    else:
        message = _(
            "Row %(number)d cannot be read as %(encoding)s text: the file may mix encodings. Save the file "
            "again as UTF-8 (in Excel: “CSV UTF-8”), or choose the encoding it was saved in."
        )
    return ImportFileError(message % {"number": number, "encoding": _encoding_label(codec)}, code="encoding")


_NEWLINE = re.compile(r"\r\n|\r|\n")


def _text_lines(path: pathlib.Path, codec: str) -> Iterator[str]:
    """The file's lines, decoded strictly chunk by chunk, each with its line ending (as ``newline=""``).

    A chunk that does not decode still gives the complete lines before the bad byte; then
    ``_UndecodableText`` tells the line it is on, so the error can name the row. A leading BOM is dropped.
    """
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    pending = ""
    emitted = 0
    at_start = True
    with path.open("rb") as file:
        while True:
            chunk = file.read(_CHUNK_BYTES)
            final = not chunk
            state = decoder.getstate()
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as error:
                # The error counts from the bytes the decoder held back plus this chunk.
                decoder.setstate(state)
                valid = decoder.decode(chunk[: max(error.start - len(state[0]), 0)])
                if at_start:
                    valid = valid.removeprefix("\ufeff")
                lines, _rest = _split_lines(pending + valid, final=False)
                yield from lines
                raise _UndecodableText(emitted + len(lines) + 1, error) from error
            if at_start and text:
                text = text.removeprefix("\ufeff")
                at_start = False
            lines, pending = _split_lines(pending + text, final=final)
            emitted += len(lines)
            yield from lines
            if len(pending) > _MAX_LINE_CHARS:
                raise _LineTooLong(emitted + 1)
            if final:
                return


def _split_lines(text: str, *, final: bool) -> tuple[list[str], str]:
    """Complete lines (with their endings) and the unfinished rest; a trailing CR waits for its LF."""
    lines: list[str] = []
    start = 0
    for match in _NEWLINE.finditer(text):
        if match.end() == len(text) and match.group() == "\r" and not final:
            break
        lines.append(text[start : match.end()])
        start = match.end()
    rest = text[start:]
    if final and rest:
        lines.append(rest)
        rest = ""
    return lines, rest


def _decoded_sample(sample: bytes, codec: str, *, is_complete: bool) -> str:
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(sample, final=is_complete)
    if not is_complete:
        text = text[: max(text.rfind("\n"), 0)]  # the last line may be cut
    return text.removeprefix("\ufeff")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most records into the same number of cells (more than one).

    The csv module parses each candidate, so delimiters inside quotes do not count: a semicolon file
    whose quoted or decimal numbers hold commas stays a semicolon file.
    """
    best: tuple[int, int] = (0, 0)
    chosen = ","
    for delimiter in DELIMITERS:
        widths: Counter[int] = Counter()
        try:
            for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
                if number >= _SNIFF_RECORDS:
                    break
                if len(record) > 1 and _has_content(record):
                    widths[len(record)] += 1
        except csv.Error:
            pass  # what was counted before the broken record still tells
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (count, width) > best:
            best, chosen = (count, width), delimiter
    return chosen


# Encodings ---------------------------------------------------------------------------------------


_OFFERED = {codecs.lookup(codec).name: codec for codec, _label in ENCODINGS}


def _chosen_encoding(name: str) -> str:
    """The user's encoding, by the name we offer it under; any text encoding Python knows is accepted."""
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ImportFileError(
            _("“%(encoding)s” is not a text encoding we know. Choose one of: %(choices)s.")
            % {"encoding": name, "choices": ", ".join(codec for codec, _label in ENCODINGS)},
            code="encoding",
        )
    return _OFFERED.get(info.name, info.name)


def _encoding_label(codec: str) -> str:
    labels = dict(ENCODINGS)
    return _(labels[codec]) if codec in labels else codec


def _detect_encoding(sample: bytes, *, is_complete: bool) -> str:
    """The encoding of a text file from its first megabyte: a BOM, else UTF-8 if it decodes, else a guess.

    UTF-8 wins whenever the sample is valid UTF-8, and also when some lines are UTF-8 and others not
    (a file pasted together from two sources): reading goes on in UTF-8 and stops at the first other
    line with its number, instead of turning the UTF-8 lines into mojibake.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        return _utf16_without_bom(sample)
    if _decodes(sample, "utf-8", is_complete=is_complete) is not None or _has_utf8_text_lines(sample):
        return "utf-8"
    return _legacy_encoding(sample, is_complete=is_complete)


def _decodes(sample: bytes, codec: str, *, is_complete: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(codec)(errors="strict").decode(sample, final=is_complete)
    except (UnicodeDecodeError, LookupError):
        return None


def _has_utf8_text_lines(sample: bytes) -> bool:
    """Whether some lines beyond ASCII are UTF-8 and read as real words (other lines not being UTF-8).

    Bytes of an 8-bit code page rarely form valid UTF-8 at all, and when they do, they decode to odd
    words (letters of two scripts), which do not count.
    """
    for line in sample.split(b"\n")[:-1]:
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        odd_words, _uncovered = _implausibility(text)
        if not odd_words:
            return True
    return False


def _utf16_without_bom(sample: bytes) -> str:
    """UTF-16 text without its BOM has a zero byte in every other place; other zero bytes mean binary."""
    head = sample[:4096]
    even, odd = head[0::2], head[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        other = even if zeros is odd else odd
        is_shaped = zeros.count(0) >= 0.4 * len(zeros) and other.count(0) <= 0.05 * len(other)
        if is_shaped and _decodes(sample, codec, is_complete=False) is not None:
            return codec
    raise ImportFileError(
        _("This file is not text (it holds binary data). Upload a CSV, Excel (.xlsx) or vCard (.vcf) file."),
        code="binary",
    )


def _legacy_encoding(sample: bytes, *, is_complete: bool) -> str:
    """The likeliest 8-bit or East Asian encoding: charset-normalizer's candidates, weighed again.

    charset-normalizer ranks on statistics that a small sample does not carry: it reads Spanish
    cp1252 ("Peñíscola") as cp1250 ("Peńíscola") and Czech ISO-8859-2 ("Příliš žluťoučký") as cp1250
    ("Přílią ľlu»oučký"). So among its candidates, and the Central and Western European code pages
    our users save in, the one whose text is the most plausible wins (see ``_implausibility``);
    charset-normalizer's order breaks ties.
    """
    if not is_complete:
        # A character cut at the end of the sample would rule its encoding out; in the encodings left
        # to guess (ASCII-compatible ones), a newline byte is always a whole character.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
        is_complete = True
    results = charset_normalizer.from_bytes(sample)
    proposed = list(dict.fromkeys(_codec_name(match.encoding) for match in results))
    if not proposed:
        raise ImportFileError(
            _(
                "The text encoding of this file cannot be recognised. Save it as UTF-8 (in Excel: “CSV UTF-8”), "
                "or choose the encoding it was saved in."
            ),
            code="encoding",
        )
    candidates = list(proposed)
    if any(_is_single_byte(codec) for codec in proposed):
        candidates += [codec for codec in ("cp1250", "iso-8859-2", "cp1252") if codec not in candidates]
    scored: list[tuple[tuple[int, int], int, str]] = []
    for rank, codec in enumerate(candidates):
        text = _decodes(sample, codec, is_complete=is_complete)
        if text is not None:
            scored.append((_implausibility(text[:_SCORED_CHARS]), rank, codec))
    if not scored:
        return proposed[0]  # the streaming reader names the row it cannot decode
    return min(scored)[2]


def _codec_name(name: str) -> str:
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return name
    return _OFFERED.get(canonical, canonical)


@lru_cache(maxsize=64)
def _is_single_byte(codec: str) -> bool:
    try:
        return len(bytes(range(0x80, 0x100)).decode(codec, errors="replace")) == 0x80
    except LookupError:
        return False


# Letters beyond ASCII that one language writes with; a word mixing letters of no single language
# (ř with ą, ń with í) is what decoding in the wrong code page produces.
_ALPHABETS = [
    frozenset(letters)
    for letters in (
        "áčďéěíňóřšťúůýž",  # Czech
        "áäčďéíĺľňóôŕšťúýž",  # Slovak
        "ąćęłńóśźż",  # Polish
        "áéíóöőúüű",  # Hungarian
        "čćđšž",  # Slovenian, Croatian, Bosnian
        "ăâîșțşţ",  # Romanian (comma below and the cedilla of older code pages)
        "äöüß",  # German
        "àâæçéèêëîïôœùûüÿ",  # French
        "áéíñóúü",  # Spanish
        "àçèéíïòóúü",  # Catalan (the l·l middle dot is allowed inside words)
        "áâãàçéêíóôõú",  # Portuguese
        "àèéìíîòóùú",  # Italian
        "áéíóúàèëïöü",  # Dutch
        "æøåé",  # Danish, Norwegian
        "åäöé",  # Swedish, Finnish
        "áðéíóúýþæö",  # Icelandic
        "çğıöşüâî",  # Turkish
        "ąčęėįšųūž",  # Lithuanian
        "āčēģīķļņšūž",  # Latvian
        "äöõüšž",  # Estonian
        "çë",  # Albanian
    )
]
_WORD = re.compile(r"[^\s,;|\t\"'()\[\]{}<>=/\\]+")
_WORD_EDGES = "«»„“”‘’‚‹›¿¡…–—.:!?*#&+-_"
_INSIDE_WORDS = {"·", "’", "‑", "´"}
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK", "HALFWIDTH": "CJK", "FULLWIDTH": "LATIN"}


def _implausibility(text: str) -> tuple[int, int]:
    """How unlike real text a decoding is: (control characters + odd words, letters of no one language).

    An odd word holds a symbol between letters (»), letters of two scripts, or accented Latin letters
    that no single language writes together. The second number counts, over the whole text, the accented
    letters outside the one alphabet that covers most of them; it breaks ties between decodings that
    both look word by word plausible ("València" in cp1252 against "Valčncia" in cp1250).
    """
    bad = sum(1 for char in text if _is_control(char))
    letters: set[str] = set()
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        word_letters, is_odd = _word_letters(word.strip(_WORD_EDGES))
        letters |= word_letters
        bad += is_odd
    uncovered = min((len(letters - alphabet) for alphabet in _ALPHABETS), default=0)
    return bad, uncovered


def _word_letters(word: str) -> tuple[set[str], bool]:
    """The accented Latin letters of a word, and whether the word is odd (see ``_implausibility``)."""
    scripts: set[str] = set()
    letters: set[str] = set()
    is_odd = False
    for char in word:
        if char.isascii():
            if char.isalpha():
                scripts.add("LATIN")
            continue
        kind = _char_kind(char)
        if kind == "":
            is_odd = True
        elif kind != "-":
            scripts.add(kind)
            if kind == "LATIN":
                letters.update(lower for lower in char.lower() if not lower.isascii() and lower.isalpha())
    if len(scripts) > 1 or (letters and not any(letters <= alphabet for alphabet in _ALPHABETS)):
        is_odd = True
    return letters, is_odd


@lru_cache(maxsize=4096)
def _char_kind(char: str) -> str:
    """A letter's script ("LATIN", "CJK", …); "-" for what may sit inside a word; "" for an intruder."""
    category = unicodedata.category(char)
    if category.startswith("L"):
        script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
        return _SCRIPT_GROUPS.get(script, script)
    if category.startswith(("M", "N")) or char in _INSIDE_WORDS:
        return "-"
    return ""


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" and char not in "\t\r\n"


# XLSX --------------------------------------------------------------------------------------------


def _open_xlsx(path: pathlib.Path, *, sheet: str | None, header_row: int | None, limits: _Limits) -> Table:
    _check_workbook_archive(path, limits)
    workbook = _load_workbook(path)
    try:
        sheets = [str(worksheet.title) for worksheet in workbook.worksheets]
    except Exception as error:  # openpyxl's failures on a damaged file have no common type
        raise _damaged_workbook() from error
    finally:
        workbook.close()
    if not sheets:
        raise ImportFileError(_("The workbook has no worksheet to import."), code="empty")
    if sheet is None:
        sheet = sheets[0]
    elif sheet not in sheets:
        raise ImportFileError(
            _("The workbook has no sheet “%(sheet)s”. Its sheets are: %(sheets)s.")
            % {"sheet": sheet, "sheets": ", ".join(f"“{name}”" for name in sheets)},
            code="sheet",
        )
    chosen = sheet

    def raw_rows() -> Generator[tuple[int, list[str]], None, None]:
        return _sheet_rows(path, chosen, limits)

    try:
        header_row, headers = _table_top(raw_rows, header_row)
    except ImportFileError as error:
        if error.code != "empty" or len(sheets) == 1:
            raise
        raise ImportFileError(
            _("The sheet “%(sheet)s” is empty. Choose another sheet: %(sheets)s.")
            % {"sheet": sheet, "sheets": ", ".join(f"“{name}”" for name in sheets if name != sheet)},
            code="empty",
        ) from error
    return Table(
        format="xlsx",
        encoding="",
        delimiter="",
        sheets=sheets,
        sheet=sheet,
        header_row=header_row,
        headers=headers,
        _raw_rows=raw_rows,
    )


def _check_workbook_archive(path: pathlib.Path, limits: _Limits) -> None:
    """Refuses what is not a complete zip with a workbook in it, and zips that unpack out of proportion.

    The sizes come from the zip's directory; zipfile never unpacks a member past its declared size, so
    a member that lies about it cannot get around this check.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as error:
        # RuntimeError: NotImplementedError for a zip "version" or compression a damaged header claims.
        raise _damaged_workbook() from error
    if not any(member.filename.startswith("xl/") and member.filename.endswith("workbook.xml") for member in members):
        raise ImportFileError(
            _("This zip file holds no Excel workbook. Upload the workbook itself (.xlsx), or a CSV file."),
            code="damaged",
        )
    unpacked = sum(member.file_size for member in members)
    bound = min(_UNPACK_FACTOR * limits.max_bytes, _MAX_UNPACKED_BYTES)
    too_dense = any(
        member.file_size > _RATIO_CHECKED_FROM and member.file_size > _MAX_MEMBER_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if unpacked > bound or too_dense or len(members) > _MAX_MEMBERS:
        raise ImportFileError(
            _(
                "This workbook unpacks to %(size)s, out of proportion to its size: it looks like a compressed "
                "bomb, not a spreadsheet, and is not opened. If it is a real workbook, save it as CSV instead."
            )
            % {"size": filesizeformat(unpacked)},
            code="zip_bomb",
        )


def _damaged_workbook() -> ImportFileError:
    return ImportFileError(
        _(
            "This Excel file is damaged or incomplete (perhaps cut off while uploading) and cannot be opened. "
            "Open it in Excel and save it again, or upload it again."
        ),
        code="damaged",
    )


def _load_workbook(path: pathlib.Path) -> Any:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl's failures on a damaged file have no common type
        raise _damaged_workbook() from error


def _sheet_rows(path: pathlib.Path, sheet: str, limits: _Limits) -> Generator[tuple[int, list[str]], None, None]:
    """The sheet's rows as text, numbered as in Excel (openpyxl gives the empty rows between as empty)."""
    workbook = _load_workbook(path)
    try:
        try:
            worksheet = workbook[sheet]
            # The dimension a writer records may be wrong (too small cuts columns): read what is there.
            worksheet.reset_dimensions()
            values_by_row = worksheet.iter_rows(values_only=True)
        except Exception as error:  # see _load_workbook
            raise _damaged_workbook() from error
        number = 0
        while True:
            try:
                values = next(values_by_row, None)
            except Exception as error:  # see _load_workbook
                raise _damaged_workbook() from error
            if values is None:
                return
            number += 1
            if len(values) > _MAX_SHEET_COLUMNS:
                raise ImportFileError(
                    _("Row %(row)d is wider than any Excel sheet can be; the file is damaged.") % {"row": number},
                    code="damaged",
                )
            cells = _trimmed([_cell_text(value) for value in values])
            _check_row(number, cells, limits)
            yield number, cells
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell as the user would type it: whole numbers without ".0", dates in ISO form, booleans as words."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        # The shortest text that reads back as the same float, never in exponent form ("2.7E7").
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value.is_finite() else str(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time() and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


# vCard -------------------------------------------------------------------------------------------


def _open_vcf(path: pathlib.Path, *, codec: str, limits: _Limits) -> Table:
    """Reads every card once: a broken card is refused now, and the X-CLIENTELA-* columns are known."""
    custom: dict[str, None] = {}
    count = 0
    for _number, card in _cards(path, codec):
        count += 1
        for name in card:
            if name.startswith(VCARD_CUSTOM_PREFIX):
                custom[name] = None
    if not count:
        raise ImportFileError(_("The file holds no vCard: there is nothing to import."), code="empty")
    headers = [*VCARD_HEADERS, *custom]
    if len(headers) > limits.max_columns:
        raise ImportFileError(
            _("The cards have %(count)d different fields; an import takes at most %(limit)d columns.")
            % {"count": len(headers), "limit": limits.max_columns},
            code="too_many_columns",
        )

    def raw_rows() -> Generator[tuple[int, list[str]], None, None]:
        yield 0, list(headers)
        for number, card in _cards(path, codec):
            yield number, _card_cells(card, headers)

    return Table(
        format="vcf",
        encoding=codec,
        delimiter="",
        sheets=[],
        sheet="",
        header_row=0,
        headers=headers,
        _raw_rows=raw_rows,
    )


class _LineReader:
    """The ``readline()`` vobject's line reader calls, over lines decoded as they are read."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines

    def readline(self) -> str:
        return next(self._lines, "")


_Card = dict[str, list[Any]]  # property name (upper case) → its vobject ContentLines, in file order


def _cards(path: pathlib.Path, codec: str) -> Iterator[tuple[int, _Card]]:
    """Each card of the file, numbered from 1, read one at a time.

    vobject unfolds the lines, parses each and decodes quoted-printable values in their CHARSET
    (``allowQP``), but the cards are put together here: its own reader runs every value through its
    text conversion, which cuts a value at the first comma vCard 2.1 writers (Outlook) do not escape,
    and decodes photos nobody asked for. A card nested in another (2.1's AGENT) is skipped.
    """
    lines = vobject.base.getLogicalLines(_LineReader(_text_lines(path, codec)), allowQP=True)
    number = 0
    depth = 0
    card: _Card = {}
    while True:
        current = number if depth else number + 1  # the card an error is in
        logical: tuple[str, int] | None = None
        try:
            logical = next(lines, None)
            if logical is None:
                break
            line = vobject.base.textLineToContentLine(*logical)
        except _UndecodableText as problem:
            raise _undecodable(current, codec, is_card=True) from problem.error
        except _LineTooLong as problem:
            raise _broken_card(current, problem.args[0]) from problem
        except vobject.base.VObjectError as error:
            raise _broken_card(current, getattr(error, "lineNumber", None)) from error
        except (ValueError, LookupError, UnicodeError, binascii.Error) as error:
            # A quoted-printable value that does not decode in its CHARSET, or an unknown CHARSET.
            raise _broken_card(current, logical[1] if logical else None) from error
        except OSError as error:
            raise _file_gone() from error
        name = str(line.name).upper()
        if name == "BEGIN":
            if not depth and str(line.value).strip().upper() != "VCARD":
                raise _not_a_card(current)
            if not depth:
                number, card = number + 1, {}
            depth += 1
        elif name == "END":
            if not depth:
                raise _not_a_card(current)
            depth -= 1
            if not depth:
                yield number, card
        elif not depth:
            raise _not_a_card(current)
        elif depth == 1:
            card.setdefault(name, []).append(line)
    if depth:
        raise ImportFileError(
            _(
                "Card %(number)d has no END:VCARD line: the file looks cut off. "
                "Export the contacts again and upload the whole file."
            )
            % {"number": number},
            code="invalid_vcard",
        )


def _not_a_card(number: int) -> ImportFileError:
    return ImportFileError(
        _("Card %(number)d does not start with BEGIN:VCARD; this is not a vCard file.") % {"number": number},
        code="invalid_vcard",
    )


def _broken_card(number: int, line: int | None) -> ImportFileError:
    if line:
        message = _(
            "Card %(number)d cannot be read: line %(line)d of the file is not a valid vCard line. "
            "Export the contacts again, or fix that line."
        ) % {"number": number, "line": line}
    else:
        message = _("Card %(number)d cannot be read: it is not a valid vCard. Export the contacts again.") % {
            "number": number
        }
    return ImportFileError(message, code="invalid_vcard")


def _card_cells(lines: _Card, headers: list[str]) -> list[str]:
    """A card's values under the vCard headers; of several e-mails, phones or addresses, the preferred."""

    def text(name: str) -> str:
        found = lines.get(name)
        return _unescaped(found[0].value) if found else ""

    def parts(name: str, count: int, *, preferred: bool = False) -> list[str]:
        found = lines.get(name)
        values = _split_parts(_best(found).value if preferred else found[0].value) if found else []
        return (values + [""] * count)[:count]

    family, given = parts("N", 2)
    organization = parts("ORG", 1)[0]
    _box, extended, street, city, region, code, country = parts("ADR", 7, preferred=True)
    phone = _best(lines["TEL"]).value if lines.get("TEL") else ""
    values = {
        "Full name": text("FN"),
        "First name": given,
        "Last name": family,
        "Organization": organization,
        "Title": text("TITLE"),
        "E-mail": _unescaped(_best(lines["EMAIL"]).value) if lines.get("EMAIL") else "",
        "Phone": re.sub(r"^tel:", "", _unescaped(phone), flags=re.IGNORECASE),
        "Website": _unescaped(_best(lines["URL"]).value) if lines.get("URL") else "",
        "Street": ", ".join(part for part in (street, extended) if part.strip()),
        "City": city,
        "Region": region,
        "Postal code": code,
        "Country": country,
        "Note": "\n".join(_unescaped(line.value) for line in lines.get("NOTE", [])),
        "Kind": _card_kind(lines, text, organization=organization, has_name=bool(given.strip() or family.strip())),
        "UID": text("UID"),
    }
    for header in headers[len(VCARD_HEADERS) :]:
        values[header] = text(header)
    return [values.get(header, "") for header in headers]


def _card_kind(lines: dict[str, list[Any]], text: Callable[[str], str], *, organization: str, has_name: bool) -> str:
    """What the card is, "org" or "individual": KIND (4.0), else Apple's company flag, else ORG without a name."""
    kind = (text("KIND") or text("X-ADDRESSBOOKSERVER-KIND")).strip().lower()
    if kind in {"org", "organization"}:
        return "org"
    if kind:
        return kind  # "individual", or a group or location card that the mapping step can skip
    if text("X-ABSHOWAS").strip().upper() == "COMPANY":
        return "org"
    return "org" if organization.strip() and not has_name else "individual"


def _best(lines: list[Any]) -> Any:
    """The line marked preferred (TYPE=pref, 2.1's bare PREF, 4.0's lowest PREF=n), else a work one, else the first."""

    def rank(item: tuple[int, Any]) -> tuple[int, int, int]:
        position, line = item
        types = {
            value.strip().lower()
            for values in line.params.get("TYPE", [])
            for value in str(values).split(",")
            if value.strip()
        } | {str(param).lower() for param in getattr(line, "singletonparams", [])}
        preference = 101
        for value in line.params.get("PREF", []):
            preference = int(value) if str(value).isdigit() else 1
        if "pref" in types:
            preference = min(preference, 1)
        return (preference, 0 if "work" in types else 1, position)

    return min(enumerate(lines), key=rank)[1]


def _unescaped(value: object) -> str:
    """A vCard text value as written: \\n is a line break, \\, \\; \\\\ the character itself."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"\\(.)", lambda match: "\n" if match.group(1) in "nN" else match.group(1), value)


def _split_parts(value: object) -> list[str]:
    """A structured value (N, ADR, ORG) split on its unescaped semicolons, each part unescaped."""
    if not isinstance(value, str):
        return []
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ";":
            parts.append(_unescaped("".join(current)))
            current = []
        else:
            current.append(char)
    parts.append(_unescaped("".join(current)))
    return parts


__all__ = [
    "DELIMITERS",
    "ENCODINGS",
    "FORMATS",
    "VCARD_HEADERS",
    "ImportFileError",
    "Table",
    "detect_format",
    "open_table",
]
