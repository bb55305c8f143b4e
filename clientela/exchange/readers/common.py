"""What the readers of every format share: ``ImportFileError``, ``Table`` (whose rows are read on demand
from a format's ``_RowReader``), the limits every row is held to (columns, characters per cell), and the header
row, given by the user or detected below a title block.
"""

import re
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.core.errors import DomainError

MAX_CELL_CHARS = 100_000
_HEADER_CANDIDATES = 20  # the header is looked for among the first non-empty rows
_WIDTH_ROWS = 10  # the rows below a candidate header that tell the table's width


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


def _file_gone() -> ImportFileError:
    return ImportFileError(_("The uploaded file cannot be read any more; upload it again."), code="missing")


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
            ngettext(
                "The file has %(count)d row, so row %(row)d cannot be its header row.",
                "The file has %(count)d rows, so row %(row)d cannot be its header row.",
                read,
            )
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


# Row limits --------------------------------------------------------------------------------------


def _check_row(number: int, cells: list[str], limits: _Limits) -> None:
    if len(cells) > limits.max_columns:
        raise ImportFileError(
            ngettext(
                "Row %(row)d has %(count)d column; an import takes at most %(limit)d. "
                "Remove the columns you do not need, or check that the right delimiter was chosen.",
                "Row %(row)d has %(count)d columns; an import takes at most %(limit)d. "
                "Remove the columns you do not need, or check that the right delimiter was chosen.",
                len(cells),
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
        ) % {"row": number, "limit": number_format(MAX_CELL_CHARS, force_grouping=True)}
    else:
        message = _(
            "Row %(row)d, column %(column)d holds more than %(limit)s characters, more than a cell may hold."
        ) % {
            "row": number,
            "column": column,
            "limit": number_format(MAX_CELL_CHARS, force_grouping=True),
        }
    return ImportFileError(message, code="cell_too_long")
