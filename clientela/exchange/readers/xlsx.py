"""Excel workbooks (.xlsx): the zip is checked first for what an honest workbook never looks like (a bomb, a
damaged or cut-off archive, a zip without a workbook), then openpyxl reads the chosen sheet read-only, row by row,
each cell as the text a user would type.
"""

import datetime
import decimal
import pathlib
import zipfile
from collections.abc import Generator
from typing import Any

import openpyxl
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from clientela.exchange.readers.common import ImportFileError, Table, _check_row, _Limits, _table_top, _trimmed

# Zip bombs: what an honest workbook never looks like.
_MAX_UNPACKED_BYTES = 1024**3
_UNPACK_FACTOR = 50
_MAX_MEMBER_RATIO = 200
_RATIO_CHECKED_FROM = 10 * 1024 * 1024
_MAX_MEMBERS = 10_000
_MAX_SHEET_COLUMNS = 16_384  # Excel's own limit; a wider row is not a worksheet


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
            % {"sheet": sheet, "sheets": ", ".join(sheets)},
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
            % {"sheet": sheet, "sheets": ", ".join(name for name in sheets if name != sheet)},
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
                "This workbook unpacks to %(size)s, out of proportion to its size: it looks like a zip bomb, "
                "not a spreadsheet, and is not opened. If it is a real workbook, save it as CSV instead."
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
