"""Uploaded import files (CSV, XLSX, vCard) as a table of text cells, read as a stream and safely.

The files come from users leaving other systems: Excel exports in whatever code page the machine had,
Google and Outlook contact exports, address books. So the reader guesses what it must (the encoding,
the delimiter, the header row below a title block), lets the user correct each guess, and refuses what
it cannot read with a message that says what is wrong and what to do. It never holds a whole file in
memory: ``Table.rows()`` opens the file again and reads it row by row, each time it is called.

Hostile or broken files (zip bombs, 10,000 columns, a cell without its closing quote, a binary file
named .csv) end as ``ImportFileError``, never as a library's exception or an exhausted server.

The work is split by format: ``text`` (encodings, CSV), ``xlsx`` and ``vcard`` each open their files, and
``common`` holds what they share (the error, ``Table``, the limits, the header row). This module tells the
format and hands the file to its reader.
"""

import codecs
import pathlib

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from clientela.exchange.readers.common import MAX_CELL_CHARS as MAX_CELL_CHARS
from clientela.exchange.readers.common import ImportFileError, Table, _file_gone, _Limits
from clientela.exchange.readers.text import DELIMITERS, ENCODINGS, _chosen_encoding, _detect_encoding, _open_csv
from clientela.exchange.readers.vcard import VCARD_CUSTOM_PREFIX as VCARD_CUSTOM_PREFIX
from clientela.exchange.readers.vcard import VCARD_HEADERS, _open_vcf
from clientela.exchange.readers.xlsx import _open_xlsx

FORMATS = ("csv", "xlsx", "vcf")
_SAMPLE_BYTES = 1024 * 1024  # what encoding detection and delimiter sniffing look at

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
