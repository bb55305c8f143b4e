"""Exports of the client list as CSV, XLSX or vCard, streamed in constant memory.

What is exported is the client list a user sees (``client_list``, which starts from
``visible_to(user)``: the same filters, search and status as the list page and the API), or the
visible ones among ticked ids; the user needs the EXPORT action. Every cell is written by
``columns.format_cell``, so that an exported file imported again over the same clients changes
nothing; the header row is each column's label in the reader's language.

How the rows are read: one query, the ``values_list`` of the needed columns with the primary contact
joined (a ``FilteredRelation``), fetched ``CHUNK_SIZE`` rows at a time as ``.iterator()`` does (a
server-side cursor on PostgreSQL, chunked fetches on SQLite) but without the ORM's per-row
conversions; per chunk, one more query reads the chunk's group memberships, and a large export
reads the whole register's at once instead (``_GroupCells``). Each column's cells are made in
one pass over the chunk (vocabularies such as kinds, languages, yes/no and options are formatted once
per value). No model instance is made per row, and no more than one chunk is ever held in memory.

A CSV export on PostgreSQL has the database write most cells itself: each run of adjacent columns whose cell is a
stored text, the id, or a word looked up from a few stored values (``_sql_cell``) comes as one text
per row, its cells joined by a control character, so the driver hands over one value per row instead
of thirty. The chunk's texts are then checked at once: formula cells found by one scan, cells to
quote only where a quoting character occurs (``_CsvLines``). Groups and custom values are converted
as above, between the joined runs. ``manage.py bench`` measures it (rows per second next to the raw
SELECT of the same columns, and the memory of a child process running it).

Formulas: a cell that a spreadsheet would run as a formula (=, +, -, @, tab or CR first) is
- in CSV prefixed with ' (``columns.neutralise``; the importer takes it off again);
- in XLSX written as it is, as a text cell (``write_string``) with Excel's quote prefix style: the
  cell shows exactly the stored value, and neither opening the file nor editing the cell turns it
  into a formula. The importer's ``restore_neutralised`` leaves such a cell as it is; only a value
  that itself starts with ' before a formula character ("'=x") is written neutralised ("''=x"), as
  the importer would take its ' away otherwise. So the round trip is exact in both formats.

Encodings (CSV only; vCard is always UTF-8): UTF-8 with a BOM (the default, for Excel), UTF-8,
UTF-16, GB18030, Windows-1250, ISO-8859-2 and Windows-1252. The last three cannot hold every
character (GB18030 can). What can be known before the file starts is checked first: header labels (the reader's
language, custom field labels) that the encoding cannot hold refuse the export with a message. A
character of the data that the encoding cannot hold is written as "?" (``TextEncoder.replaced``
counts them; the command reports the count): whether there are any is known only once every row has
been read, and by then the file is on its way.

A failure part-way (the database gone, a worker stopped) never ends a file as if it were complete:
a CSV gets a last line saying that the export failed and after how many clients, a vCard file a
line that is not a card (address books refuse the file), and the error goes on up, so the server
aborts the response (a browser reports the download as failed) and logs it. An XLSX file is made
whole in a temporary file before the response starts, so it either arrives complete or the request
fails with an error.
"""

import codecs
import contextlib
import csv
import functools
import gc
import io
import itertools
import json
import logging
import operator
import re
import tempfile
from array import array
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import xlsxwriter
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, ValidationError
from django.db import connections, models
from django.db.models import Case, F, FilteredRelation, Func, Prefetch, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce
from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.clients.fields import FieldDefinition, FieldType
from clientela.clients.models import Client, ClientGroup, ClientKind, ClientQuerySet, ClientStatus, Contact
from clientela.clients.selectors import ClientFilters, StatusFilter, client_list
from clientela.core.languages import Language
from clientela.exchange import vcard
from clientela.exchange.columns import (
    BOOLEAN_KEYS,
    CONTACT_PREFIX,
    FORMULA_STARTS,
    LANGUAGE_KEYS,
    Column,
    Part,
    client_columns,
    export_columns,
    format_cell,
    neutralise,
    restore_neutralised,
)
from clientela.exchange.files import content_disposition

logger = logging.getLogger(__name__)

# Rows a fetch: chunks of 2,000 were written 3-7 % slower, on both databases (docs/performance.md, finding 40).
CHUNK_SIZE = 1_000
# Ticked ids one export takes (each is a query parameter; SQLite allows 32,766 per statement).
MAX_SELECTED = 10_000


class Format:
    CSV = "csv"
    XLSX = "xlsx"
    VCARD = "vcf"
    CHOICES = ((CSV, "CSV"), (XLSX, "XLSX (Excel)"), (VCARD, "vCard"))
    VALUES = (CSV, XLSX, VCARD)


CONTENT_TYPES = {
    Format.CSV: "text/csv",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Format.VCARD: vcard.CONTENT_TYPE,
}

DEFAULT_ENCODING = "utf-8-sig"
# Python's codec → (the name in Content-Type, what the user picks from).
ENCODINGS: dict[str, tuple[str, Any]] = {
    "utf-8-sig": ("utf-8", gettext_lazy("UTF-8 with BOM (Excel)")),
    "utf-8": ("utf-8", gettext_lazy("UTF-8")),
    "utf-16": ("utf-16", gettext_lazy("UTF-16")),
    "gb18030": ("gb18030", gettext_lazy("GB18030 (Simplified Chinese)")),
    "cp1250": ("windows-1250", gettext_lazy("Windows-1250 (Central European)")),
    "iso-8859-2": ("iso-8859-2", gettext_lazy("ISO-8859-2 (Central European)")),
    "cp1252": ("windows-1252", gettext_lazy("Windows-1252 (Western European)")),
}
DELIMITERS: dict[str, Any] = {
    ",": gettext_lazy("Comma"),
    ";": gettext_lazy("Semicolon"),
    "\t": gettext_lazy("Tab"),
}
# How a delimiter may be given in a URL or on the command line.
DELIMITER_WORDS = {"comma": ",", "semicolon": ";", "tab": "\t", "\\t": "\t"}


class ColumnSet:
    ALL = "all"
    SHOWN = "shown"
    CHOICES = ((ALL, gettext_lazy("All columns")), (SHOWN, gettext_lazy("The list's columns")))
    VALUES = (ALL, SHOWN)


# The list page's columns (name and kind, the ids, country, e-mail and phone, owner, groups), with the
# id first: a file to be imported again over the same clients matches them by it.
SHOWN_KEYS = (
    "id", "name", "kind", "registration_id", "tax_id", "vat_id", "country", "email", "phone", "owner", "groups",
)  # fmt: skip

# An XLSX sheet has 1,048,576 rows (one is the header) and a cell at most 32,767 characters.
XLSX_MAX_ROWS = 1_048_575
XLSX_MAX_CELL = 32_767


def parse_delimiter(text: str) -> str:
    """A delimiter as given (",", ";", a tab, or the words comma, semicolon, tab); ValidationError otherwise."""
    delimiter = DELIMITER_WORDS.get(text.strip().lower(), text) if text.strip() else text
    if delimiter not in DELIMITERS:
        raise ValidationError(_("Choose a comma, a semicolon or a tab as the delimiter."), code="invalid")
    return delimiter


@dataclass(frozen=True)
class ExportOptions:
    format: str = Format.CSV
    encoding: str = DEFAULT_ENCODING
    delimiter: str = ","
    column_set: str = ColumnSet.ALL
    vcard_version: str = vcard.DEFAULT_VERSION

    def __post_init__(self) -> None:
        if self.format not in Format.VALUES:
            raise ValidationError(_("Choose CSV, XLSX or vCard."), code="invalid")
        if self.encoding not in ENCODINGS:
            raise ValidationError(
                _("Unknown encoding; use one of: %(encodings)s.") % {"encodings": ", ".join(ENCODINGS)},
                code="invalid",
            )
        if self.delimiter not in DELIMITERS:
            raise ValidationError(_("Choose a comma, a semicolon or a tab as the delimiter."), code="invalid")
        if self.column_set not in ColumnSet.VALUES:
            raise ValidationError(_("Choose all columns or the list's columns."), code="invalid")
        if self.vcard_version not in vcard.VERSIONS:
            raise ValidationError(
                _("Unknown vCard version; use one of: %(versions)s.") % {"versions": ", ".join(vcard.VERSIONS)},
                code="invalid",
            )


# Choosing the clients and the columns -----------------------------------------------------------------


def export_queryset(*, user: User, filters: ClientFilters, selected: Sequence[int] | None = None) -> ClientQuerySet:
    """The clients an export writes: the list for these filters, or the ticked ones the user may see.

    Ticked clients are exported whatever the filters say (invalid ones too; merged ones never), in
    the list's order.
    """
    if selected is None:
        return client_list(user=user, filters=filters)
    if len(selected) > MAX_SELECTED:
        raise ValidationError(
            _("Export at most %(count)s ticked clients at once, or export the list.")
            % {"count": number_format(MAX_SELECTED, force_grouping=True)},
            code="too_many",
        )
    everything = ClientFilters(status=StatusFilter.ALL, sort=filters.sort, custom_sort=filters.custom_sort)
    return client_list(user=user, filters=everything).filter(pk__in=sorted(set(selected)))


def columns_for(
    column_set: str, *, shown_custom: Sequence[FieldDefinition] = (), status: str = StatusFilter.ACTIVE
) -> list[Column]:
    """The columns of an export: every column (``export_columns``), or the list page's.

    The list's columns are its fixed ones (as far as the field settings show them), the status when
    invalid clients are listed too, and the custom fields chosen as extra columns (``shown_custom``).
    """
    every = client_columns()
    if column_set == ColumnSet.ALL:
        return export_columns(every)
    by_key = {column.key: column for column in every}
    keys = [*SHOWN_KEYS, *(["status"] if status != StatusFilter.ACTIVE else [])]
    chosen = [by_key[key] for key in keys if key in by_key]
    custom_keys = {f"cf:{definition.name}" for definition in shown_custom}
    return chosen + [column for column in every if column.key in custom_keys]


# Rows ------------------------------------------------------------------------------------------------

# A cell is neutralised only when it starts with one of these (``neutralise`` decides the rest); "'"
# too, so that a rule for cells that already start with it would be honoured.
_FORMULA_FIRST = frozenset(FORMULA_STARTS) | {"'"}
# Whether any cell of a column starts with one of them, asked of the cells joined each after a NUL: one
# scan in C per column and chunk, so that cells are gone through one by one only in the columns that
# have such a cell.
_FORMULA_CELL = re.compile("\x00[" + re.escape("".join(sorted(_FORMULA_FIRST))) + "]")


def _formula_after(separator: str) -> re.Pattern[str]:
    """A cell that ``neutralise`` changes (any ' first, then a formula character), found by the separator before it."""
    return re.compile(re.escape(separator) + "(?='*[" + re.escape("".join(FORMULA_STARTS)) + "])")


_FORMULA_AFTER_NUL = _formula_after("\x00")
# The columns of few values (written as words), with their stored values.
_WORD_VALUES: dict[str, Sequence[Any]] = {
    "kind": ClientKind.values,
    "status": ClientStatus.values,
    **dict.fromkeys(LANGUAGE_KEYS, Language.values),
    **dict.fromkeys(BOOLEAN_KEYS, (True, False)),
}
_WORD_KEYS = frozenset(_WORD_VALUES)
_WORD_TYPES = {FieldType.BOOLEAN, FieldType.CHOICE}
_PRIMARY_CONTACT = "primary_contact"

Cells = Sequence[str]
# A column's cells from the chunk's values (column by column) and its clients' groups' cells.
Converter = Callable[[list[Sequence[Any]], Cells], Cells]


def _formatter(column: Column) -> Callable[[Sequence[Any]], Cells]:
    """How a column's values become cells, made once per column (``format_cell``'s results)."""
    definition = column.definition
    if column.key in _WORD_KEYS or (
        column.part == Part.CUSTOM and definition is not None and definition.field_type in _WORD_TYPES
    ):
        return _Words(column).convert
    if column.part == Part.CUSTOM:
        return lambda values: ["" if value is None else format_cell(column, value) for value in values]
    if column.key == "id":
        return lambda values: [str(value) for value in values]  # as format_cell writes an id
    # A stored text is its own cell, and nothing (no primary contact) an empty one: format_cell's rules
    # for these columns, without a call per cell.
    return lambda values: [
        value if value.__class__ is str else "" if value is None else format_cell(column, value) for value in values
    ]


def _chunked_cursor(connection: Any) -> Any:
    """A cursor to fetch a large result a chunk at a time: server-side where the database has one and the
    settings allow it (``DISABLE_SERVER_SIDE_CURSORS``, as ``QuerySet.iterator()`` decides)."""
    if connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return connection.cursor()
    return connection.chunked_cursor()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a chunk's rows are fetched and turned into columns.

    The driver makes a tuple per row, and the collector would look into each of them before they are
    let go (reference counting frees them the moment the columns are made): 0.3 µs a row on SQLite's
    million-client export (docs/performance.md, finding 39). Paused for the fetch only, never across
    a ``yield``, so other code in the process runs with the collector as it was.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _is_stored_text(name: str) -> bool:
    """A text column that is never NULL: its values are their own cells as they come from the database."""
    try:
        field = Client._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return isinstance(field, models.CharField | models.TextField) and not field.null


class _Words(dict):
    """A column of few values (kinds, languages, yes/no, options): each formatted once per export."""

    def __init__(self, column: Column) -> None:
        super().__init__()
        self.column = column

    def __missing__(self, value: Any) -> str:
        text = self[value] = format_cell(self.column, value)
        return text

    def convert(self, values: Iterable[Any]) -> list[str]:
        try:
            return list(map(self.__getitem__, values))  # dict's own look-up, in C (``__missing__`` for new values)
        except TypeError:  # an unhashable value (a list where one value was expected)
            return [format_cell(self.column, value) for value in values]


# Cells the database joins (``ClientRows.joined_chunks``): a row's cells of a run of columns joined after
# each a CELL_END, and the rows of a chunk joined after each a ROW_END, so that every cell starts after a
# CELL_END (one scan finds the cells to neutralise). Control characters no form enters; should a stored
# text hold one, its chunk is read again cell by cell.
CELL_END = "\x1f"  # the unit separator
ROW_END = "\x1e"  # the record separator
# A cell that ``neutralise`` changes (any ' first, then a formula character), found by the CELL_END before it.
_FORMULA_JOINED = _formula_after(CELL_END)


@dataclass(frozen=True)
class Segment:
    """A chunk's cells of a run of adjacent columns, as one text: ``CELL_END`` + a row's cells joined by ``CELL_END``,
    the rows joined by ``ROW_END``."""

    text: str

    @classmethod
    def of(cls, texts: Sequence[str], width: int) -> "Segment | None":
        """The rows' joined texts as a segment; None when a cell holds a separator (its cells cannot be told apart)."""
        text = CELL_END + (ROW_END + CELL_END).join(texts)
        rows = len(texts)
        if text.count(CELL_END) != rows * width or text.count(ROW_END) != rows - 1:
            return None
        return cls(text)


class _Joined(Func):
    """Texts joined by the database into one, a CELL_END between each two."""

    template = "(%(expressions)s)"
    arg_joiner = f" || '{CELL_END}' || "

    def __init__(self, *expressions: Any) -> None:
        super().__init__(*expressions, output_field=TextField())


def _sql_cell(column: Column) -> Any:
    """An expression the database turns into the column's cell, exactly as ``format_cell`` writes it (None: it cannot).

    Stored texts as they are, NULL (no primary contact) as nothing, the id as its digits, and the
    words (kinds, languages, yes/no, status) in the reader's language, looked up once per export;
    groups and custom fields are left to Python.
    """
    key = column.key
    if key == "id":
        return Cast("id", output_field=TextField())
    if key == "owner":
        return Coalesce(F("owner__username"), Value(""), output_field=TextField())
    model: type[models.Model]
    if column.part == Part.CONTACT:
        part = key.removeprefix(CONTACT_PREFIX)
        model, name = Contact, f"{_PRIMARY_CONTACT}__{part}"
    elif column.part in (Part.CLIENT, Part.RECORD):
        model, name, part = Client, key, key
    else:
        return None
    try:
        field = model._meta.get_field(part)
    except FieldDoesNotExist:
        return None  # the contact's whole name: made from two fields, by Python
    if key in _WORD_VALUES:
        words = _Words(column)
        known = [When(**{name: value}, then=Value(words[value])) for value in _WORD_VALUES[key]]
        other = Value("") if key in BOOLEAN_KEYS else Coalesce(F(name), Value(""), output_field=TextField())
        return Case(*known, default=other, output_field=TextField())
    if not isinstance(field, models.CharField | models.TextField):
        return None
    if model is Client and not field.null:
        return F(name)
    return Coalesce(F(name), Value(""), output_field=TextField())


def _joinable_runs(cells: Sequence[Any]) -> list[tuple[int, int]]:
    """The runs (start, end) of two or more adjacent columns whose ``_sql_cell`` expression is not None."""
    runs: list[tuple[int, int]] = []
    start = None
    for index, cell in enumerate([*cells, None]):
        if cell is not None:
            start = index if start is None else start
            continue
        if start is not None and index - start >= 2:
            runs.append((start, index))
        start = None
    return runs


class ClientRows:
    """The rows of a client export, a chunk at a time: each cell as ``format_cell`` writes it.

    The writers make formula cells harmless, each in its own way. ``count`` says how many rows were
    read so far.

    One query reads the clients with their primary contact (a filtered join) and one per chunk the
    chunk's group memberships (in a large export, one the whole register's). The rows are taken as
    the database driver gives them: no model, no per-row conversion by the ORM; each column is
    converted in one pass over the chunk.
    """

    def __init__(
        self,
        clients: ClientQuerySet,
        columns: Sequence[Column],
        *,
        chunk_size: int | None = None,
    ) -> None:
        self.clients = clients
        self.columns = list(columns)
        self.chunk_size = chunk_size or CHUNK_SIZE
        self.count = 0
        self._fields: list[str] = ["id"]
        self._groups: _GroupCells | None = None
        self._converters = [self._converter(column) for column in self.columns]

    def header(self) -> list[str]:
        return [column.label for column in self.columns]

    @property
    def database_joins(self) -> bool:
        """Whether the CSV writer has the database join the cells (``joined_chunks``): on PostgreSQL.

        There the server joins them in its own process and the driver decodes one value per row
        instead of thirty. SQLite's engine runs in this process, and its joins cost more than
        decoding the columns: measured slower there (docs/performance.md, finding 32).
        """
        return connections[self.clients.db].vendor == "postgresql"

    def query(self, extra: dict[str, Any] | None = None, *, contact: bool = False) -> Any:
        """The main query: the clients' columns this export reads (and ``extra``'s), in the list's order."""
        clients = self.clients
        if contact or any(name.startswith(f"{_PRIMARY_CONTACT}__") for name in self._fields):
            primary = FilteredRelation("contacts", condition=Q(contacts__is_primary=True))
            clients = clients.annotate(**{_PRIMARY_CONTACT: primary})
        if extra:
            clients = clients.annotate(**extra)
        return clients.values_list(*self._fields)

    def chunks(self) -> Iterator[list[tuple[str, ...]]]:
        """The rows, a chunk at a time."""
        for columns in self.column_chunks():
            yield list(zip(*columns, strict=True))

    def column_chunks(self) -> Iterator[list[Cells]]:
        """The cells of a chunk of rows, column by column.

        Read and written in turn, in this thread: reading a chunk ahead in a thread of its own was
        measured no faster on PostgreSQL and half as fast on SQLite (docs/performance.md, finding 31).
        """
        for values, groups in self._value_chunks():
            yield [convert(values, groups) for convert in self._converters]

    def joined_chunks(self) -> Iterator[Sequence[Cells | Segment]]:
        """The chunks as ``column_chunks`` gives them, but each run of adjacent columns the database can
        write (``_sql_cell``) joined by the query itself into one text per row: a ``Segment``.

        For the CSV writer: per row, one text comes from the driver instead of one value per column,
        and the cells are checked and joined a chunk at a time (``_CsvLines``). The other columns
        (groups, custom fields) are converted as ``column_chunks`` converts them. A chunk where a
        stored text holds one of the separators is read again column by column.
        """
        cells = [_sql_cell(column) for column in self.columns]
        runs = _joinable_runs(cells)
        if not runs:
            yield from self.column_chunks()
            return
        joined = {i for start, end in runs for i in range(start, end)}
        rest = ClientRows(
            self.clients, [c for i, c in enumerate(self.columns) if i not in joined], chunk_size=self.chunk_size
        )
        # Where each run's texts are among the values read.
        at = [rest._position(f"_cells{n}") for n in range(len(runs))]
        extra = {f"_cells{n}": _Joined(*cells[start:end]) for n, (start, end) in enumerate(runs)}
        # Where each piece of a row comes from: a converter of ``rest`` (0, 1, …) or a run (-1, -2, …).
        starts = {start: n for n, (start, _end) in enumerate(runs)}
        converted = itertools.count()
        layout = [
            -starts[index] - 1 if index in starts else next(converted)
            for index in range(len(self.columns))
            if index in starts or index not in joined
        ]
        contact = any(self.columns[i].part == Part.CONTACT for i in joined)
        for values, groups in rest._value_chunks(extra, contact=contact):
            ids = values[0]
            segments = []
            for n, (start, end) in enumerate(runs):
                segment = Segment.of(values[at[n]], end - start)
                if segment is None:  # a separator in a stored text: this chunk cell by cell
                    break
                segments.append(segment)
            else:
                texts = [convert(values, groups) for convert in rest._converters]
                self.count = rest.count
                yield [texts[slot] if slot >= 0 else segments[-slot - 1] for slot in layout]
                continue
            again = ClientRows(self.clients.filter(pk__in=ids), self.columns, chunk_size=len(ids))
            (columns,) = again.column_chunks()
            self.count = rest.count
            yield list(columns)

    def _value_chunks(
        self, extra: dict[str, Any] | None = None, *, contact: bool = False
    ) -> Iterator[tuple[list[Sequence[Any]], Cells]]:
        """The values of a chunk of rows, column by column (``values[0]``: the ids), and the chunk's groups.

        ``extra``: more columns to read (expressions by name, read after the others); ``contact``:
        join the primary contact even when no field of ``self`` needs it.
        """
        for name in extra or ():
            self._position(name)
        custom = self._fields.index("custom_fields") if "custom_fields" in self._fields else None
        connection = connections[self.clients.db]
        try:
            sql, params = self.query(extra, contact=contact).query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # a filter no client can meet (an empty selection)
            return
        # The rows as the driver gives them, a chunk per fetch, through a server-side cursor where the
        # database has one (as QuerySet.iterator() reads them, without the ORM's per-row converters).
        with _chunked_cursor(connection) as cursor:
            cursor.execute(sql, params)
            while True:
                with _collector_paused():  # the chunk's row tuples are gone before the collector could look at them
                    batch = cursor.fetchmany(self.chunk_size)
                    values: list[Sequence[Any]] = list(zip(*batch, strict=True))  # values[0]: the chunk's ids
                    del batch
                if not values:
                    return
                if custom is not None:
                    values[custom] = [json.loads(v) if v.__class__ is str else v for v in values[custom]]
                groups: Cells = ()
                if self._groups is not None:
                    groups = self._groups.cells(connection, values[0])
                self.count += len(values[0])
                yield values, groups

    # One converter per column, made once -----------------------------------------------------------

    def _position(self, name: str) -> int:
        if name not in self._fields:
            self._fields.append(name)
        return self._fields.index(name)

    def _converter(self, column: Column) -> Converter:
        cells = _formatter(column)
        key = column.key
        if column.part == Part.CUSTOM:
            at, name = self._position("custom_fields"), column.custom_name
            return lambda values, groups: cells([stored.get(name) if stored else None for stored in values[at]])
        if key == "groups":
            self._groups = _GroupCells(column)  # read a chunk at a time, with the chunk's rows
            return lambda values, groups: groups
        if column.part == Part.CONTACT:
            part = key.removeprefix(CONTACT_PREFIX)
            if part == "name":  # the whole name, as a contact shows it
                first = self._position(f"{_PRIMARY_CONTACT}__first_name")
                last = self._position(f"{_PRIMARY_CONTACT}__last_name")
                return lambda values, groups: cells(
                    [f"{a or ''} {b or ''}".strip() for a, b in zip(values[first], values[last], strict=True)]
                )
            at = self._position(f"{_PRIMARY_CONTACT}__{part}")  # NULL where a client has no primary contact
            return lambda values, groups: cells(values[at])
        name = "owner__username" if key == "owner" else key
        at = self._position(name)
        if key not in _WORD_KEYS and (key == "owner" or _is_stored_text(name)):
            return lambda values, groups: values[at]
        return lambda values, groups: cells(values[at])


class _GroupCells:
    """The groups column's cells, a chunk of clients at a time.

    A small export reads each chunk's memberships with the chunk: (client, group) ids from the
    membership table's own index, with no join and no sort. Once an export has read as many clients
    as a quarter of the register's memberships, it reads all of them at once instead (``_Register``:
    two bytes per client id, 2 MB for a million clients), as one query per chunk costs more than a
    client's share of reading them all (docs/performance.md, finding 38).

    The names come from the groups, read once per export in the database's name order. A client's cell
    is made once per combination of groups (a register has a few dozen groups, and a third of a
    million clients in them share a few hundred combinations).
    """

    # The register's memberships are read at once after this share of them in clients (finding 38).
    REGISTER_SHARE = 4

    def __init__(self, column: Column) -> None:
        self.column = column
        self._order: dict[int, tuple[int, str]] = {}  # group id -> (its place in name order, its name)
        self._cells: dict[tuple[int, ...], str] = {}
        self._clients = 0  # clients whose memberships were read with their chunk
        self._register_after: int | None = None  # how many before the register's are read at once
        self._register: _Register | None = None
        self._registered = False

    def cells(self, connection: Any, ids: Sequence[int]) -> list[str]:
        """The cell of each client of ``ids``, in their order (an empty one for a client in no group)."""
        if not self._registered and self._clients:  # a second chunk: an export of more than one
            if self._register_after is None:
                self._register_after = _Register.size(connection) // self.REGISTER_SHARE
            if self._clients >= self._register_after:
                self._registered = True  # once, whether it could be used or not
                self._register = _Register.read(connection, self._cell)
        if self._register is not None:
            return self._register.cells(ids)
        self._clients += len(ids)
        groups: dict[int, list[int]] = {}
        for client_id, group_id in self._memberships(connection, ids):
            groups.setdefault(client_id, []).append(group_id)
        found = {client_id: self._cell(tuple(sorted(pks))) for client_id, pks in groups.items()}
        return [found.get(pk, "") for pk in ids]

    def _cell(self, groups: tuple[int, ...]) -> str:
        cell = self._cells.get(groups)
        if cell is None:
            if any(group not in self._order for group in groups):  # first use, or a group made since
                ordered = ClientGroup.objects.order_by("name", "pk").values_list("pk", "name")
                self._order = {pk: (place, name) for place, (pk, name) in enumerate(ordered)}
            names = [self._order[group] for group in groups if group in self._order]  # not one deleted since
            cell = self._cells[groups] = format_cell(self.column, [name for _place, name in sorted(names)])
        return cell

    @staticmethod
    def _memberships(connection: Any, ids: Sequence[int]) -> list[tuple[int, int]]:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # one array parameter, written as its text: sent faster
                array_of = Client._meta.pk.rel_db_type(connection)
                cursor.execute(_memberships_sql(0, array_of), ["{" + ",".join(map(str, ids)) + "}"])
            else:
                cursor.execute(_memberships_sql(len(ids)), list(ids))
            return cursor.fetchall()


class _Register:
    """Every client's combination of groups, read at once into two bytes per client id.

    ``slots[client id]`` is the place of the client's combination in ``combinations`` (0: none). It
    holds the memberships as they were when it was read: on SQLite the export's own snapshot, as the
    main query, still being read, keeps its read transaction open.
    """

    FETCH = 10_000
    MOST = 2**16  # combinations two bytes tell apart

    def __init__(self, slots: array, combinations: list[str]) -> None:
        self.slots, self.combinations = slots, combinations

    @staticmethod
    def size(connection: Any) -> int:
        """How many memberships the register has, at most: the membership table's last id (from its index)."""
        with connection.cursor() as cursor:
            cursor.execute(_register_sql("size"))
            (last,) = cursor.fetchone()
        return last or 0

    @classmethod
    def read(cls, connection: Any, cell_of: Callable[[tuple[int, ...]], str]) -> "_Register | None":
        """The register's memberships; None when they make more combinations of groups than two bytes tell apart."""
        with connection.cursor() as cursor:
            cursor.execute(_register_sql("top"))
            top = cursor.fetchone()[0] or 0
        slots = array("H", bytes(2 * (top + 1)))
        places: dict[tuple[int, ...], int] = {(): 0}
        combinations = [""]
        cursor = _chunked_cursor(connection)  # on PostgreSQL not all of them in memory at once
        try:
            cursor.execute(_register_sql("memberships"))
            pairs = itertools.chain.from_iterable(iter(functools.partial(cursor.fetchmany, cls.FETCH), []))
            for pk, memberships in itertools.groupby(pairs, key=_first):
                groups = tuple([group for _pk, group in memberships])
                place = places.get(groups)
                if place is None:
                    if len(combinations) == cls.MOST:
                        return None
                    place = places[groups] = len(combinations)
                    combinations.append(cell_of(groups))
                if pk <= top:  # a client made since ``top`` was read is not among the export's
                    slots[pk] = place
        finally:
            cursor.close()
        return cls(slots, combinations)

    def cells(self, ids: Sequence[int]) -> list[str]:
        """The cells of ``ids``, in their order."""
        slots, combinations = self.slots, self.combinations
        if max(ids) < len(slots):
            return list(map(combinations.__getitem__, map(slots.__getitem__, ids)))
        return [combinations[slots[pk]] if pk < len(slots) else "" for pk in ids]


_first = operator.itemgetter(0)


@functools.cache
def _register_sql(what: str) -> str:
    """The register's queries: the membership table's last id ("size"), the clients' ("top"), and every
    (client, group) pair of ids in the order of the membership table's index ("memberships")."""

    table, pk, client_id, group_id = _membership_names()
    return {
        "size": f"SELECT MAX({pk}) FROM {table}",
        "top": f"SELECT MAX({_quote(str(Client._meta.pk.column))}) FROM {_quote(Client._meta.db_table)}",
        "memberships": f"SELECT {client_id}, {group_id} FROM {table} ORDER BY {client_id}, {group_id}",
    }[what]


@functools.cache
def _memberships_sql(count: int, array_of: str = "") -> str:
    """The (client, group) ids of ``count`` clients' memberships (0: of an array of ids of the type ``array_of``).

    Written out once per size, as the ORM would spend more time preparing a chunk's thousand ids one by
    one (``__in``) than the export spends on the chunk.
    """
    table, _pk, client_id, group_id = _membership_names()
    # The array as its text, cast by the server: psycopg would look at each of a thousand ids to choose a type.
    among = f"= ANY(CAST(%s AS {array_of}[]))" if count == 0 else f"IN ({', '.join(['%s'] * count)})"
    return f"SELECT {client_id}, {group_id} FROM {table} WHERE {client_id} {among}"


def _quote(name: str) -> str:
    """A name quoted as standard SQL quotes it (as both databases' ``quote_name`` do): no connection needed."""
    return f'"{name}"'


def _membership_names() -> tuple[str, str, str, str]:
    """The membership table's name and its id, client and group columns, quoted."""
    through = Client.groups.through._meta
    client, group = through.get_field("client").column, through.get_field("clientgroup").column
    return _quote(through.db_table), _quote(str(through.pk.column)), _quote(str(client)), _quote(str(group))


# Encoding ------------------------------------------------------------------------------------------


class TextEncoder:
    """Text to bytes in one encoding, piece by piece (one BOM at the start, for the encodings that have one).

    A character the encoding cannot hold is written as "?"; ``replaced`` counts them.
    """

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._encoder = codecs.getincrementalencoder(encoding)("strict")
        self.replaced = 0

    def encode(self, text: str) -> bytes:
        try:
            return self._encoder.encode(text)
        except UnicodeEncodeError:
            # Rare: only the lossy encodings (and lone surrogates) get here, so count the cost only now.
            self.replaced += len(text) - len(text.encode(self.encoding, "ignore").decode(self.encoding))
            self._encoder.errors = "replace"
            try:
                return self._encoder.encode(text)
            finally:
                self._encoder.errors = "strict"


def check_encodable(texts: Iterable[str], encoding: str) -> None:
    """Refuse, before anything is written, texts of the file's frame (its header) that the encoding cannot hold."""
    for text in texts:
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            raise ValidationError(
                _(
                    "The column “%(label)s” cannot be written in %(encoding)s. Choose UTF-8 (with BOM for "
                    "Excel), or an encoding for this language."
                )
                % {"label": text, "encoding": ENCODINGS[encoding][0]},
                code="encoding",
            ) from None


# Writers -------------------------------------------------------------------------------------------


# The failure line starts with this in every language, so that a program can tell a cut file.
FAILURE_MARK = "EXPORT FAILED"


def failure_notice(count: int) -> str:
    """The last line of a file whose export failed part-way: the fixed mark, then why in the reader's language."""
    reason = ngettext(
        "This file is incomplete: it stops after %(count)d client. Export again.",
        "This file is incomplete: it stops after %(count)d clients. Export again.",
        count,
    ) % {"count": count}
    return f"{FAILURE_MARK}: {reason}"


@dataclass
class Tally:
    """What a streamed export has written so far: clients, and characters its encoding could not hold."""

    count: int = 0
    replaced: int = 0


def csv_chunks(
    rows: ClientRows, *, encoding: str = DEFAULT_ENCODING, delimiter: str = ",", tally: Tally | None = None
) -> Generator[bytes, None, None]:
    """The CSV file, the header first and then a piece per chunk of rows (see the module's docstring)."""
    tally = tally or Tally()
    encoder = TextEncoder(encoding)
    lines = _CsvLines(delimiter)

    def encoded(text: str) -> bytes:
        data = encoder.encode(text)
        tally.count, tally.replaced = rows.count, encoder.replaced
        return data

    yield encoded(lines.row([neutralise(label) for label in rows.header()]))
    try:
        for pieces in rows.joined_chunks() if rows.database_joins else rows.column_chunks():
            yield encoded(lines.chunk(pieces))
    except GeneratorExit:  # the reader went away: nothing more to write
        raise
    except BaseException:  # a stopped worker (SystemExit) too: say so in the file, then go on failing
        logger.exception("The CSV export failed after %d rows.", rows.count)
        yield encoded(lines.row([failure_notice(rows.count)]))
        raise


class _CsvLines:
    """CSV text as ``csv.writer`` writes it (minimal quoting, CRLF), a chunk of rows at a time from its columns,
    formula cells neutralised.

    A column's cells are gone through one by one only when one of them needs it (a formula character
    first; a delimiter, a quote or a line break in it), which a scan of the column's cells, joined
    each after a NUL, tells; the rows are then joined in C. A segment (cells the database joined) is
    neutralised by one substitution after its separators and quoted cell by cell only around the
    quoting characters found in it; its separators then become the delimiter.
    """

    def __init__(self, delimiter: str) -> None:
        self.delimiter = delimiter
        # The characters that make csv.writer quote a cell. Each is looked for in a column on its own: a
        # search for one character runs at memory speed, where one pattern of all of them (or an
        # alternation with the formula pattern) goes character by character, ten times slower (finding 30).
        self._specials = (delimiter, '"', "\r", "\n")
        self._special = re.compile(f'[{re.escape(delimiter)}"\r\n]')
        buffer = io.StringIO()
        self._buffer, self._writer = buffer, csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

    def row(self, cells: Sequence[str]) -> str:
        """One row through ``csv.writer`` itself."""
        self._buffer.seek(0)
        self._buffer.truncate()
        self._writer.writerow(cells)
        return self._buffer.getvalue()

    def chunk(self, pieces: Sequence[Cells | Segment]) -> str:
        """A chunk's lines from its pieces, left to right: columns' cells, or segments of cells the database joined."""
        if not pieces:
            return ""
        if len(pieces) == 1:
            (piece,) = pieces
            if isinstance(piece, Segment):
                return self._segment(piece).replace(ROW_END, "\r\n") + "\r\n"
            if not piece:
                return ""
            # csv.writer quotes an empty lone cell, to tell it from an empty line
            return "".join(self.row([_neutralise(cell)]) for cell in piece)
        written = [
            self._segment(piece).split(ROW_END) if isinstance(piece, Segment) else self._written(piece)
            for piece in pieces
        ]
        return "\r\n".join(map(self.delimiter.join, zip(*written, strict=True))) + "\r\n"

    def _segment(self, segment: Segment) -> str:
        """A segment's rows, each its cells neutralised, quoted where needed and joined by the delimiter;
        the rows still joined by ROW_END."""
        text = segment.text
        if _FORMULA_JOINED.search(text) is not None:
            text = _FORMULA_JOINED.sub(CELL_END + "'", text)
        found = [special for special in self._specials if special in text]
        if found:
            text = _quote_cells(text, found)
        return text[1:].replace(ROW_END + CELL_END, ROW_END).replace(CELL_END, self.delimiter)

    def _written(self, cells: Cells) -> Cells:
        joined = "\x00".join(cells)  # the first cell has no NUL before it: looked at apart
        if cells[0][:1] in _FORMULA_FIRST or _FORMULA_CELL.search(joined) is not None:
            cells, joined = _neutralised(cells, joined)
        if not any(special in joined for special in self._specials):
            return cells
        special = self._special
        return ['"' + cell.replace('"', '""') + '"' if special.search(cell) else cell for cell in cells]


def _quote_cells(text: str, specials: Sequence[str]) -> str:
    """A segment's text with each cell that holds one of ``specials`` quoted as csv.writer quotes it.

    Each occurrence is found at memory speed and its cell quoted once, by the separators around it.
    """
    cells: set[tuple[int, int]] = set()
    for special in specials:
        at = text.find(special)
        while at != -1:
            start = text.rfind(CELL_END, 0, at) + 1  # every cell starts after one
            ends = [end for end in (text.find(CELL_END, at), text.find(ROW_END, at)) if end != -1]
            end = min(ends) if ends else len(text)
            cells.add((start, end))
            at = text.find(special, end)
    pieces, done = [], 0
    for start, end in sorted(cells):
        pieces += [text[done:start], '"', text[start:end].replace('"', '""'), '"']
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _neutralise(text: str) -> str:
    return neutralise(text) if text[:1] in _FORMULA_FIRST else text


def _neutralised(cells: Cells, joined: str) -> tuple[Cells, str]:
    """A column's cells, and the same joined by NULs, with the cells ``neutralise`` changes changed.

    One substitution over the joined cells (a column of phone numbers in international form is
    mostly such cells), split again; cell by cell where a stored text holds a NUL itself.
    """
    text = _FORMULA_AFTER_NUL.sub("\x00'", "\x00" + joined)
    if text.count("\x00") != len(cells):
        cells = [_neutralise(cell) for cell in cells]
        return cells, "\x00".join(cells)
    return text[1:].split("\x00"), text[1:]


def vcard_chunks(
    clients: ClientQuerySet, *, version: str = vcard.DEFAULT_VERSION, tally: Tally | None = None
) -> Generator[bytes, None, None]:
    """The vCard file (UTF-8): each client's card and its contacts' cards, a chunk of clients at a time."""
    tally = tally or Tally()
    contacts = Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "last_name", "id"))
    pieces: list[str] = []

    def counted() -> Iterator[Client]:
        for client in clients.prefetch_related(contacts).iterator(chunk_size=CHUNK_SIZE):
            yield client
            tally.count += 1

    try:
        for text in vcard.clients_vcards(counted(), version=version):
            pieces.append(text)
            if len(pieces) >= 200:
                yield "".join(pieces).encode("utf-8")
                pieces = []
        yield "".join(pieces).encode("utf-8")
    except GeneratorExit:
        raise
    except BaseException:
        logger.exception("The vCard export failed after %d clients.", tally.count)
        # Not a card: an address book refuses the file rather than take it as complete.
        yield ("".join(pieces) + failure_notice(tally.count) + "\r\n").encode("utf-8")
        raise


def write_xlsx(rows: ClientRows, target: str | IO[bytes]) -> int:
    """The rows as an XLSX workbook of one sheet, written to ``target`` in constant memory; returns the row count.

    The workbook is assembled into ``target`` only at the end: on any error (among them a
    ValidationError when the rows do not fit a sheet: over a million rows, a cell over 32,767
    characters) nothing is written there, and the rows kept on disk meanwhile are removed.
    """
    with tempfile.TemporaryDirectory(prefix="clientela-xlsx-") as scratch:
        workbook = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                "tmpdir": scratch,
            },
        )
        sheet = workbook.add_worksheet(_sheet_name(_("Clients")))
        bold = workbook.add_format({"bold": True})
        as_text = workbook.add_format({"quote_prefix": True})
        header = rows.header()
        for index, label in enumerate(header):
            sheet.set_column(index, index, min(max(len(label) + 2, 12), 40))
        sheet.freeze_panes(1, 0)
        for index, label in enumerate(header):
            sheet.write_string(0, index, _xlsx_text(label), as_text if label[:1] in _FORMULA_FIRST else bold)
        number = 0
        for chunk in rows.chunks():
            if number + len(chunk) > XLSX_MAX_ROWS:
                raise ValidationError(_too_many_for_xlsx(), code="too_many")
            for row in chunk:
                number += 1
                for index, text in enumerate(row):
                    if not text:
                        continue
                    if len(text) > XLSX_MAX_CELL:
                        raise ValidationError(
                            _("“%(label)s” of a client is longer than an XLSX cell holds; export CSV instead.")
                            % {"label": header[index]},
                            code="too_long",
                        )
                    if text[:1] in _FORMULA_FIRST:
                        # Shown as typed and never run (Excel's quote prefix); escaped only where the
                        # importer's restore_neutralised would otherwise take a ' of the value away.
                        sheet.write_string(number, index, _xlsx_text(text), as_text)
                    else:
                        sheet.write_string(number, index, text)
        workbook.close()
    return number


def _xlsx_text(text: str) -> str:
    """A cell's text as an XLSX file holds it: as it is, unless reading it back would change it ("'=x")."""
    return neutralise(text) if restore_neutralised(text) != text else text


def _too_many_for_xlsx() -> str:
    return _("An XLSX sheet holds at most %(count)s clients; export CSV instead.") % {
        "count": number_format(XLSX_MAX_ROWS, force_grouping=True)
    }


def _sheet_name(text: str) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in text).strip(" '")
    return cleaned[:31] or "Clients"


# One export ------------------------------------------------------------------------------------------


@dataclass
class ClientExport:
    """An export ready to be written: which clients, which columns, in which format."""

    clients: ClientQuerySet
    columns: list[Column]
    options: ExportOptions
    language: str
    tally: Tally = field(default_factory=Tally)  # filled in as the file is streamed

    @property
    def content_type(self) -> str:
        if self.options.format == Format.CSV:
            return f"{CONTENT_TYPES[Format.CSV]}; charset={ENCODINGS[self.options.encoding][0]}"
        return CONTENT_TYPES[self.options.format]

    def filename(self, day: date) -> str:
        return f"clients-{day.isoformat()}.{self.options.format}"

    def rows(self) -> ClientRows:
        return ClientRows(self.clients, self.columns)

    def check(self) -> None:
        """What can be refused before the file starts: a header the chosen encoding cannot hold, too many
        rows for an XLSX sheet (counted only that far)."""
        if self.options.format == Format.CSV:
            with translation.override(self.language):
                check_encodable(self.rows().header(), self.options.encoding)
        elif (
            self.options.format == Format.XLSX and self.clients.order_by()[: XLSX_MAX_ROWS + 1].count() > XLSX_MAX_ROWS
        ):
            raise ValidationError(_too_many_for_xlsx(), code="too_many")

    def stream(self) -> Iterator[bytes]:
        """The CSV or vCard file, piece by piece, in the language the export was made in."""
        options = self.options
        if options.format == Format.CSV:
            pieces = csv_chunks(self.rows(), encoding=options.encoding, delimiter=options.delimiter, tally=self.tally)
        elif options.format == Format.VCARD:
            pieces = vcard_chunks(self.clients, version=options.vcard_version, tally=self.tally)
        else:
            raise ValueError("An XLSX file is written whole: use write_xlsx.")
        return _in_language(pieces, self.language)

    def write_xlsx(self, target: str | IO[bytes]) -> int:
        with translation.override(self.language):
            self.tally.count = write_xlsx(self.rows(), target)
        return self.tally.count


def client_export(
    *,
    user: User,
    filters: ClientFilters,
    options: ExportOptions,
    selected: Sequence[int] | None = None,
    shown_custom: Sequence[FieldDefinition] = (),
) -> ClientExport:
    """An export of the clients the user sees (the list for ``filters``, or the ``selected`` ones); needs EXPORT."""
    require_action(user, Action.EXPORT)
    clients = export_queryset(user=user, filters=filters, selected=selected)
    status = StatusFilter.ALL if selected is not None else filters.status
    columns = columns_for(options.column_set, shown_custom=shown_custom, status=status)
    return ClientExport(clients=clients, columns=columns, options=options, language=translation.get_language() or "en")


def file_response(export: ClientExport) -> HttpResponseBase:
    """The export as a download: CSV and vCard streamed as they are read, XLSX made whole first (errors raise here)."""
    response: HttpResponseBase
    if export.options.format == Format.XLSX:
        # A temporary file with no name on disk: gone once the response has sent and closed it.
        target: Any = tempfile.TemporaryFile(prefix="clientela-export-")  # noqa: SIM115
        try:
            export.write_xlsx(target)
        except BaseException:
            target.close()
            raise
        target.seek(0)
        response = FileResponse(target, content_type=export.content_type)
    else:
        response = StreamingHttpResponse(export.stream(), content_type=export.content_type)
        response["X-Accel-Buffering"] = "no"  # a proxy passes each piece on as it comes
    response["Content-Disposition"] = content_disposition(export.filename(timezone.localdate()))
    # A record's data: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


def _in_language(pieces: Generator[bytes, None, None], language: str) -> Iterator[bytes]:
    """Each piece made with ``language`` active (a streamed body is made after the view has returned)."""
    try:
        while True:
            with translation.override(language):
                try:
                    piece = next(pieces)
                except StopIteration:
                    return
            yield piece
    finally:
        pieces.close()  # a reader that went away ends the query now
