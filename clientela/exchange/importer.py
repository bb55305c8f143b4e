"""The import engine: a file's rows turned into the client services' calls, a batch at a time.

Each row is read through the job's mapping (``columns.parse_cell``), matched against the clients
the importer can see (the chosen keys, in order; an earlier row of the same file counts too), and
then created, updated, left alone or rejected by the same services as the form: ``client_import_create``
(one bulk insert with history for a batch's new clients), ``client_update``, ``contact_create`` and
``contact_update``. A row is imported whole or not at all: its client, contact and groups go in one
savepoint.

A dry run is the same code in a transaction that is rolled back after each batch, so what it
reports is what the run will do — the same checks, the same unique indexes — except where a row
matches a client that an earlier *batch* of the same file creates (that client is gone when the
batch is rolled back): such a row is reported as an update of it, with its values unchecked.

An all-or-nothing run keeps every batch in one transaction and rolls it all back if any row is
rejected; its progress shows only at the end (the other connections cannot see inside it).
"""

import contextlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.accounts.models import User
from clientela.accounts.selectors import user_team
from clientela.clients import services as client_services
from clientela.clients.custom_values import clean_value
from clientela.clients.fields import RecordType
from clientela.clients.models import ChangeReason, Client, ClientGroup, ClientKind, ClientStatus, Contact
from clientela.clients.record_fields import definitions, pinned_definitions
from clientela.clients.validation import (
    clean_contact_values,
    clean_email,
    clean_registration_id,
    clean_tax_id,
    clean_vat_id,
    compact,
)
from clientela.core.errors import DomainError
from clientela.exchange import columns as cols
from clientela.exchange.models import EmptyCells, ImportJob, ImportMode, ImportRow, MatchKey, RowOutcome
from clientela.exchange.readers import Table, open_table

BATCH_SIZE = 500
CONTACT_FIELDS = {
    "contact_first_name": "first_name",
    "contact_last_name": "last_name",
    "contact_position": "position",
    "contact_email": "email",
    "contact_phone": "phone",
    "contact_language": "language",
}
NATIONAL_KEYS = {MatchKey.TAX_ID, MatchKey.REGISTRATION_ID}
# Client values compared as they are stored, to tell an unchanged row without calling a service.
_COMPARED = set(client_services.CLIENT_FIELDS)


@dataclass
class Row:
    """One row of the file on its way through a batch."""

    number: int
    cells: list[str]
    values: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    contact: dict[str, Any] = field(default_factory=dict)
    groups: list[str] | None = None
    owner: User | None = None
    keys: list[tuple[str, Any]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    record_id: int | None = None  # the file's Clientela id column
    match: int | None = None  # the client's id
    match_row: int | None = None  # dry run: the earlier row (of an earlier batch) that creates the match
    result: ImportRow | None = None
    parse_messages: list[str] = field(default_factory=list)


_MISSING = object()


class KeyIndex:
    """Match keys of the clients this pass made or touched: hash of (key, value) → (client id, row).

    Hashes, not the keys themselves, to keep the memory per key small. Every change is journalled,
    so that a batch (or a row) that is rolled back takes its entries with it in the time of its own
    changes, not of the whole index (``mark``, ``rollback_to``, ``changed_since``).
    """

    def __init__(self) -> None:
        self._entries: dict[int, tuple[int | None, int]] = {}
        self._journal: list[tuple[int, Any]] = []

    @staticmethod
    def _hash(key: str, value: Any) -> int:
        return hash((key, value))

    def get(self, key: str, value: Any) -> tuple[int | None, int] | None:
        return self._entries.get(self._hash(key, value))

    def put(self, key: str, value: Any, entry: tuple[int | None, int]) -> None:
        hashed = self._hash(key, value)
        self._journal.append((hashed, self._entries.get(hashed, _MISSING)))
        self._entries[hashed] = entry

    def remove(self, key: str, value: Any) -> None:
        hashed = self._hash(key, value)
        if hashed in self._entries:
            self._journal.append((hashed, self._entries.pop(hashed)))

    def mark(self) -> int:
        return len(self._journal)

    def rollback_to(self, mark: int) -> None:
        while len(self._journal) > mark:
            hashed, before = self._journal.pop()
            if before is _MISSING:
                self._entries.pop(hashed, None)
            else:
                self._entries[hashed] = before

    def changed_since(self, mark: int) -> set[int]:
        return {hashed for hashed, _before in self._journal[mark:]}

    def forget_clients(self, ids: set[int], mark: int) -> None:
        """Entries made since ``mark`` that point at these clients point at the rows that made them instead."""
        for hashed in self.changed_since(mark):
            entry = self._entries.get(hashed)
            if entry is not None and entry[0] in ids:
                self._entries[hashed] = (None, entry[1])

    def clear(self) -> None:
        self._entries.clear()
        self._journal.clear()

    def settle(self) -> None:
        """Forget the journal: what is in the index now stays."""
        self._journal.clear()


class _RowByRow(Exception):
    """Raised inside a batch's transaction to have it rolled back and done again a row at a time."""


def _messages(error: ValidationError, labels: dict[str, str]) -> list[str]:
    """A service's error as lines naming the column: "Tax id: … is not valid"."""
    if not hasattr(error, "error_dict"):
        return [str(message) for message in error.messages]
    lines = []
    for name, errors in error.error_dict.items():
        label = labels.get(name, "")
        for message in ValidationError(errors).messages:
            lines.append(f"{label}: {message}" if label and name != "__all__" else str(message))
    return lines


def _split_name(text: str) -> tuple[str, str]:
    """A person's whole name as (first, last): the last word is the family name; CJK names stay whole."""
    parts = text.split()
    if len(parts) < 2:
        return "", text.strip()
    return " ".join(parts[:-1]), parts[-1]


class Importer:
    """Runs one pass (dry or real) of a job over its file; ``run`` returns the counts."""

    def __init__(self, job: ImportJob, *, dry_run: bool, progress: Callable[[int, Counter], None] | None = None):
        self.job = job
        self.user: User = job.user
        self.dry_run = dry_run
        self.progress = progress
        self.fields = definitions(RecordType.CLIENT)
        self.columns = cols.client_columns(self.fields)
        by_key = {column.key: column for column in self.columns}
        self.mapped = [
            (index, by_key[key])
            for index, key in enumerate(job.mapping)
            if key and key in by_key and by_key[key].importable
        ]
        # Whether the file has a column for the client's name (a people file without one updates by other keys).
        self.names_clients = any(column.key == "name" for _index, column in self.mapped)
        self.labels: dict[str, str] = {column.key: column.label for column in self.columns}
        self.labels.update({f"cf_{c.custom_name}": c.label for c in self.columns if c.part == cols.Part.CUSTOM})
        self.match_keys = [key for key in (job.match_keys or []) if key in self._known_keys()]
        self.counts: Counter = Counter()
        # Keys of the rows a dry run has gone through (a real run finds its own clients in the database, so
        # its index only ever holds the current batch).
        self.index = KeyIndex()
        self.made_here: set[int] = set()  # clients this pass created: they may be updated whatever the mode
        self.made_journal: list[int] = []
        self.groups: dict[str, ClientGroup] = {}
        self.groups_created: list[int] = []
        self.rejected: list[ImportRow] = []
        team = list(user_team(user=self.user))
        self.team: dict[str, User] = {}
        for member in team:
            for word in (member.username, member.email):
                if word:
                    self.team.setdefault(word.casefold(), member)
        self.reason = f"{ChangeReason.IMPORTED}:{job.pk}"

    def _known_keys(self) -> set[str]:
        keys = set(MatchKey.values)
        keys.update(f"{cols.CUSTOM_PREFIX}{d.name}" for d in self.fields if not d.is_builtin and d.is_unique)
        return keys

    # The pass ------------------------------------------------------------------------------------

    def run(self, table: Table) -> Counter:
        """Every row of ``table``; returns how many rows had each outcome (and "processed")."""
        if self.job.all_or_nothing and not self.dry_run:
            with transaction.atomic():
                self._rows(table)
                if self.counts["error"]:
                    transaction.set_rollback(True)
            if self.counts["error"]:
                ImportRow.objects.bulk_create(self.rejected, batch_size=1000)
        else:
            self._rows(table)
        return self.counts

    def open(self, path: Path) -> Table:
        """The job's file as the wizard set it up to be read (``path``: a local copy of it)."""
        job = self.job
        return open_table(
            path,
            filename=job.filename,
            encoding=job.encoding or None,
            delimiter=job.delimiter or None,
            sheet=job.sheet or None,
            header_row=job.header_row,
        )

    def _rows(self, table: Table) -> None:
        batch: list[Row] = []
        for number, cells in table.rows():
            batch.append(Row(number=number, cells=cells))
            if len(batch) >= BATCH_SIZE:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)

    def _batch(self, rows: list[Row]) -> None:
        for row in rows:
            self._parse(row)
        saved = self._state()
        self._match(rows)
        with pinned_definitions():
            self._write(rows, saved)
        if self.dry_run:
            self._forget_rolled_back(saved, rows)
        else:
            self.index.clear()  # committed: later batches find these clients in the database
        self.index.settle()
        self.made_journal.clear()
        self._record(rows)

    def _write(self, rows: list[Row], saved: tuple[Any, ...]) -> None:
        try:
            with transaction.atomic():
                self._apply(rows)
                if self.dry_run:
                    transaction.set_rollback(True)
        except (IntegrityError, _RowByRow):
            # A clash the checks could not see (someone saved the same unique value meanwhile, or a
            # contact refused after its client went in): the batch again, a row at a time, so
            # that only the rows at fault are rejected.
            self._restore(saved, rows)
            self._match(rows)
            self._apply_one_by_one(rows)

    def _record(self, rows: list[Row]) -> None:
        results = [row.result or self._rejected(row) for row in rows]
        for result in results:
            self.counts[result.outcome] += 1
        if self.job.all_or_nothing and not self.dry_run:
            # Rejected rows are written after the rollback that they cause.
            self.rejected += [r for r in results if r.outcome == RowOutcome.ERROR]
            results = [r for r in results if r.outcome != RowOutcome.ERROR]
        ImportRow.objects.bulk_create(results, batch_size=1000)
        self.counts["processed"] += len(rows)
        if self.progress is not None:
            self.progress(self.counts["processed"], self.counts)

    def _state(self) -> tuple[Any, ...]:
        """A point to come back to if what follows is rolled back (the journals' marks, the groups)."""
        return self.index.mark(), len(self.made_journal), dict(self.groups), list(self.groups_created)

    def _restore(self, saved: tuple[Any, ...], rows: list[Row]) -> None:
        index_mark, made_mark, groups, groups_created = saved
        self.index.rollback_to(index_mark)
        self.made_here.difference_update(self.made_journal[made_mark:])
        del self.made_journal[made_mark:]
        self.groups, self.groups_created = dict(groups), list(groups_created)
        for row in rows:
            row.result, row.match, row.match_row = None, None, None
            row.messages = list(row.parse_messages)

    def _apply_one_by_one(self, rows: list[Row]) -> None:
        for row in rows:
            if row.messages:
                continue
            saved = self._state()
            try:
                with transaction.atomic():
                    self._apply([row], one_by_one=True)
                    if self.dry_run:
                        transaction.set_rollback(True)
            except IntegrityError as error:
                self._restore(saved, [row])
                row.messages.append(_("The database refused the row: %(error)s") % {"error": error})
            except (ValidationError, DomainError) as error:
                self._restore(saved, [row])
                row.messages += _messages(error, self.labels) if isinstance(error, ValidationError) else [str(error)]

    def _forget_rolled_back(self, saved: tuple[Any, ...], rows: list[Row]) -> None:
        """After a dry-run batch its clients and groups are gone: later rows match the rows that make them."""
        gone = {row.result.client_id for row in rows if row.result and row.result.client_created}
        self.index.forget_clients({pk for pk in gone if pk is not None}, saved[0])
        for row in rows:
            if row.result is not None and row.result.client_created:
                row.result.client = None
            if row.result is not None and row.result.contact_created:
                row.result.contact = None
        self.made_here -= gone
        _index_mark, _made_mark, self.groups, self.groups_created = saved

    # Reading a row -------------------------------------------------------------------------------

    def _parse(self, row: Row) -> None:
        clear = self.job.empty_cells == EmptyCells.CLEAR
        for index, column in self.mapped:
            text = row.cells[index] if index < len(row.cells) else ""
            try:
                value = cols.parse_cell(column, text)
            except ValidationError as error:
                row.messages += [f"{column.label}: {message}" for message in error.messages]
                continue
            empty = value == "" or value == []
            if empty and not clear:
                continue
            key = column.key
            if column.part == cols.Part.CUSTOM:
                row.custom[column.custom_name] = None if empty else value
            elif key == "groups":
                row.groups = value or []
            elif key == "owner":
                if not empty:
                    row.owner = self._owner(value, row)
            elif key == "id":
                row.record_id = None if empty else value
            elif key == "contact_name":
                if not empty:
                    first, last = _split_name(value)
                    row.contact.setdefault("first_name", first)
                    row.contact.setdefault("last_name", last)
            elif key in CONTACT_FIELDS:
                if not empty:
                    row.contact[CONTACT_FIELDS[key]] = value
            else:
                row.values[key] = value
        # Explicit first and last names win over a split whole name.
        for key in ("contact_first_name", "contact_last_name"):
            for index, column in self.mapped:
                if column.key == key and index < len(row.cells) and row.cells[index].strip():
                    row.contact[CONTACT_FIELDS[key]] = cols.restore_neutralised(row.cells[index].strip())
        self._settle_people(row)
        row.keys += self._key_values(row)
        row.parse_messages = list(row.messages)

    def _settle_people(self, row: Row) -> None:
        """Whose row it is when a person is named: a contact at the row's organisation, or the client.

        A person's card or a people export names a person and (usually) their organisation. With an
        organisation, the organisation is the client (a company, even where a vCard says its card is
        a person's) and the person's e-mail and phone are theirs; without one, the person is the
        client (an individual).
        """
        person = [str(row.contact[part]) for part in ("first_name", "last_name") if row.contact.get(part)]
        if person and cols.fold(" ".join(person)) == cols.fold(str(row.values.get("name") or "")):
            # An organisation's own card names it twice (FN and ORG): no person there.
            row.contact = {}
            return
        if not person:
            return
        if row.values.get("name"):
            if row.values.get("kind") == ClientKind.INDIVIDUAL:
                row.values["kind"] = ClientKind.COMPANY
                for part in ("email", "phone"):
                    if row.values.get(part) and not row.contact.get(part):
                        row.contact[part] = row.values.pop(part)
        elif self.names_clients and row.values.get("kind") in (None, ClientKind.INDIVIDUAL):
            row.values["name"] = " ".join(person)
            row.values["kind"] = ClientKind.INDIVIDUAL
            for part in ("email", "phone", "language"):
                if row.contact.get(part) and not row.values.get(part):
                    row.values[part] = row.contact[part]
            row.contact = {}

    def _owner(self, text: str, row: Row) -> User | None:
        owner = self.team.get(text.casefold())
        if owner is None:
            row.messages.append(
                _("%(label)s: “%(value)s” is not you or anyone in your team (give a user name or e-mail).")
                % {"label": self.labels["owner"], "value": text}
            )
        return owner

    def _key_values(self, row: Row) -> list[tuple[str, Any]]:
        """The row's value of each match key, normalised as the register stores it."""
        values = row.values
        country = str(values.get("billing_country") or values.get("country") or "")
        found: list[tuple[str, Any]] = []
        cleaners = {
            MatchKey.TAX_ID: lambda v: clean_tax_id(v, country),
            MatchKey.REGISTRATION_ID: lambda v: clean_registration_id(v, country),
            MatchKey.VAT_ID: lambda v: clean_vat_id(v, country),
            MatchKey.EMAIL: lambda v: clean_email(v).lower(),  # matched ignoring case, as the index folds it
        }
        for key in self.match_keys:
            if key == MatchKey.ID and row.record_id is not None:
                found.append((key, row.record_id))
            elif key in cleaners and values.get(key):
                try:
                    value = cleaners[key](str(values[key]))
                except ValidationError:
                    value = compact(str(values[key]))  # the service will say what is wrong
                # Tax and registration ids are national (a Czech and a Slovak IČO can be the same
                # number): they match within the row's country, or anywhere when the row has none.
                found.append((key, (value, country) if key in NATIONAL_KEYS else value))
            elif key == MatchKey.NAME_COUNTRY and values.get("name") and values.get("kind") != ClientKind.INDIVIDUAL:
                # A company's legal name is unique in its country (two people may share a name); a row
                # without a country (a person's card naming their firm) matches the name anywhere.
                found.append((key, (" ".join(str(values["name"]).split()).casefold(), values.get("country") or "")))
            elif key.startswith(cols.CUSTOM_PREFIX):
                name = key.removeprefix(cols.CUSTOM_PREFIX)
                definition = next(d for d in self.fields if d.name == name)
                if row.custom.get(name) not in (None, "", []):
                    with contextlib.suppress(ValidationError):  # the service will say what is wrong
                        found.append((key, clean_value(definition, row.custom[name], country=country)))
        return found

    # Matching ------------------------------------------------------------------------------------

    def _match(self, rows: list[Row]) -> None:
        """Each row's client: by the first key that finds one, in this file first, then among the visible clients."""
        wanted: dict[str, set[Any]] = {}
        for row in rows:
            for key, value in row.keys:
                if self.index.get(key, value) is None:
                    wanted.setdefault(key, set()).add(value)
        found = self._lookup(wanted)
        for row in rows:
            if row.messages:
                continue
            for key, value in row.keys:
                entry = self.index.get(key, value)
                if entry is not None:
                    client_id, number = entry
                    row.match, row.match_row = client_id, (number if client_id is None else None)
                    break
                hits = found.get((key, value), [])
                if len(hits) > 1:
                    row.messages.append(
                        ngettext(
                            "%(key)s matches %(count)d client (id %(ids)s): choose another key, or merge them first.",
                            "%(key)s matches %(count)d clients (ids %(ids)s): choose another key, or merge them first.",
                            len(hits),
                        )
                        % {"key": self._key_label(key), "count": len(hits), "ids": ", ".join(map(str, sorted(hits)))}
                    )
                    break
                if hits:
                    row.match = hits[0]
                    break
            else:
                if any(key == MatchKey.ID for key, _value in row.keys):
                    row.messages.append(
                        _("No client you can see has the Clientela id %(id)s.")
                        % {"id": next(v for k, v in row.keys if k == MatchKey.ID)}
                    )

    def _key_label(self, key: str) -> str:
        if key.startswith(cols.CUSTOM_PREFIX):
            return self.labels.get(key, key)
        return str(MatchKey(key).label)

    def _lookup(self, wanted: dict[str, set[Any]]) -> dict[tuple[str, Any], list[int]]:
        """One query per key for the whole batch, among the clients the importer can see."""
        # status IN (…) rather than "not merged": the id indexes lead with the status.
        visible = (
            Client.objects.visible_to(self.user)
            .filter(status__in=[ClientStatus.ACTIVE, ClientStatus.INVALID])
            .order_by()  # no sort: the hits are only gathered
        )
        found: dict[tuple[str, Any], list[int]] = {}
        for key, values in wanted.items():
            hits: list[tuple[int, Any]]
            if key == MatchKey.NAME_COUNTRY:
                names = {name for name, _country in values}
                rows = visible.filter(kind=ClientKind.COMPANY, name__in=self._name_forms(names))
                countries = {country for _name, country in values}
                if "" not in countries:
                    rows = rows.filter(country__in=countries)
                hits = []
                for pk, name, country in rows.values_list("pk", "name", "country"):
                    folded = " ".join(name.split()).casefold()
                    hits += [(pk, (folded, country)), (pk, (folded, ""))]
            elif key.startswith(cols.CUSTOM_PREFIX):
                name = key.removeprefix(cols.CUSTOM_PREFIX)
                hits = list(
                    visible.filter(**{f"custom_fields__{name}__in": list(values)}).values_list(
                        "pk", f"custom_fields__{name}"
                    )
                )
            elif key in NATIONAL_KEYS:
                numbers = {number for number, _country in values}
                hits = []
                for pk, number, country in visible.filter(**{f"{key}__in": numbers}).values_list("pk", key, "country"):
                    hits += [(pk, (number, country)), (pk, (number, ""))]
            elif key == MatchKey.EMAIL:
                hits = list(
                    visible.alias(email_folded=Lower("email"))
                    .filter(email_folded__in=list(values))
                    .values_list("pk", Lower("email"))
                )
            else:
                field_name = "pk" if key == MatchKey.ID else key
                hits = list(visible.filter(**{f"{field_name}__in": list(values)}).values_list("pk", field_name))
            for pk, value in hits:
                if value in values:
                    found.setdefault((key, value), []).append(pk)
        return found

    @staticmethod
    def _name_forms(names: Iterable[str]) -> set[str]:
        # Stored names keep their case; ask for the forms a file most often differs in.
        forms: set[str] = set()
        for name in names:
            forms.update({name, name.title(), name.upper(), name.capitalize()})
        return forms

    # Writing -------------------------------------------------------------------------------------

    def _apply(self, rows: list[Row], *, one_by_one: bool = False) -> None:
        existing = self._clients([row.match for row in rows if row.match])
        pending: list[Row] = []
        for row in rows:
            if row.messages:
                continue
            if row.match is None and row.match_row is None:
                self._match_earlier_row(row, pending)
                if row.match is not None and row.match not in existing:
                    self._create(pending, one_by_one=one_by_one)  # the client it matches is still to be inserted
                    pending = []
                    existing.update(self._clients([self._client_of(row)]))
                    row.match = self._client_of(row)
            outcome = self._outcome(row)
            if outcome == RowOutcome.CREATE:
                pending.append(row)
                self._remember(row, None)
            elif outcome == RowOutcome.UPDATE and row.match_row is not None:
                row.result = self._result(row, RowOutcome.UPDATE)
                row.result.messages = [_("Updates the client that row %(row)s creates.") % {"row": row.match_row}]
            elif outcome == RowOutcome.UPDATE:
                client = existing.get(row.match) if row.match else None
                if client is None:
                    row.messages.append(_("The client this row matches is no longer there."))
                    continue
                existing[client.pk] = self._update(row, client)
            else:
                row.result = self._result(row, RowOutcome.SKIP)
                row.result.messages = [self._skip_reason(row)]
        self._create(pending, one_by_one=one_by_one)

    def _match_earlier_row(self, row: Row, pending: list[Row]) -> None:
        """An earlier row of this file made (or is about to make) the client this row is about."""
        for key, value in row.keys:
            hit = self.index.get(key, value)
            if hit is None:
                continue
            client_id, number = hit
            if client_id is not None:
                row.match = client_id
            elif any(p.number == number for p in pending):
                row.match = -number  # resolved once the pending rows are inserted
            else:
                row.match_row = number
            return

    def _client_of(self, row: Row) -> int | None:
        """The id of the client made by the row a negative ``match`` points at, once it is inserted."""
        if row.match is None or row.match > 0:
            return row.match
        for key, value in row.keys:
            hit = self.index.get(key, value)
            if hit is not None and hit[1] == -row.match:
                return hit[0]
        return None

    def _outcome(self, row: Row) -> str:
        mode = self.job.mode
        if row.match is not None or row.match_row is not None:
            made_here = row.match in self.made_here or row.match_row is not None
            return RowOutcome.UPDATE if mode != ImportMode.CREATE or made_here else RowOutcome.SKIP
        return RowOutcome.CREATE if mode != ImportMode.UPDATE else RowOutcome.SKIP

    def _skip_reason(self, row: Row) -> str:
        if row.match is not None:
            return _("A client matches this row (id %(id)s) and this import only creates new clients.") % {
                "id": row.match
            }
        return _("No client matches this row and this import only updates clients.")

    @staticmethod
    def _variants(keys: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """The row's keys, and for those kept with a country the same without it (rows that name none)."""
        found = list(keys)
        for key, value in keys:
            if isinstance(value, tuple) and value[1]:
                found.append((key, (value[0], "")))
        return found

    def _remember(self, row: Row, client_id: int | None) -> None:
        for key, value in self._variants(row.keys):
            if client_id is not None or self.index.get(key, value) is None:
                self.index.put(key, value, (client_id, row.number))

    def _clients(self, ids: Sequence[int | None]) -> dict[int, Client]:
        wanted = [pk for pk in ids if pk]
        if not wanted:
            return {}
        queryset = Client.objects.visible_to(self.user).filter(pk__in=wanted).prefetch_related("groups", "contacts")
        return {client.pk: client for client in queryset}

    def _group_list(self, names: list[str] | None) -> list[ClientGroup] | None:
        if names is None:
            return None
        groups = []
        for name in names:
            folded = cols.fold(name)
            group = self.groups.get(folded)
            if group is None:
                group = ClientGroup.objects.filter(name__iexact=name).first() or self._find_group(name)
            if group is None:
                group = client_services.group_create(user=self.user, name=name)
                self.groups_created.append(group.pk)
            self.groups[folded] = group
            groups.append(group)
        return groups

    @staticmethod
    def _find_group(name: str) -> ClientGroup | None:
        # iexact is ASCII-only on SQLite: "Čína" and "ČÍNA" are compared folded here.
        folded = cols.fold(name)
        return next((g for g in ClientGroup.objects.all().only("pk", "name") if cols.fold(g.name) == folded), None)

    def _create(self, rows: list[Row], *, one_by_one: bool = False) -> None:
        if not rows:
            return
        news = []
        prepared: list[Row] = []
        for row in rows:
            try:
                self._check_contact(row)
                groups = self._group_list(row.groups) or []
            except ValidationError as error:
                row.messages += _messages(error, self.labels)
                self._forget(row)
                continue
            news.append(
                client_services.NewClient(
                    values=self._create_values(row), custom_fields=row.custom or None, owner=row.owner, groups=groups
                )
            )
            prepared.append(row)
        if not news:
            return
        try:
            results = client_services.client_import_create(user=self.user, rows=news, reason=self.reason)
        except ValidationError:
            # A unique value the rows' checks passed was refused by its index (two rows of the file
            # share it, or someone saved it meanwhile): one row at a time finds the one to blame.
            if one_by_one:
                raise
            raise _RowByRow from None
        for row, result in zip(prepared, results, strict=True):
            if isinstance(result, ValidationError):
                row.messages += _messages(result, self.labels)
                self._forget(row)
                continue
            self.made_here.add(result.pk)
            self.made_journal.append(result.pk)
            self._remember(row, result.pk)
            row.result = self._result(row, RowOutcome.CREATE, client=result, created=True)
            row.result.client_version = result.version
            if row.contact:
                try:
                    contact = self._contact(row, result, contacts=[])
                except (ValidationError, DomainError):
                    if one_by_one:
                        raise  # the row's savepoint takes its client away with it
                    raise _RowByRow from None
                row.result.contact = contact.contact
                row.result.contact_created = True
                row.result.contact_after = contact.after

    def _check_contact(self, row: Row) -> None:
        """A new client's contact checked before the client goes in (the row goes in whole or not at all)."""
        if not row.contact:
            return
        country = str(row.values.get("billing_country") or row.values.get("country") or "")
        try:
            clean_contact_values(row.contact, country=country)
        except ValidationError as error:
            raise ValidationError({f"contact_{name}": errors for name, errors in error.error_dict.items()}) from None
        if not str(row.contact.get("last_name", "")).strip():
            raise ValidationError({"contact_last_name": [_("Enter the contact's last name.")]})

    def _forget(self, row: Row) -> None:
        """A row that made nothing: later rows must not take it for their client."""
        for key, value in self._variants(row.keys):
            if self.index.get(key, value) == (None, row.number):
                self.index.remove(key, value)

    @staticmethod
    def _create_values(row: Row) -> dict[str, Any]:
        # A new client starts empty: an empty cell has nothing to clear.
        return {key: value for key, value in row.values.items() if value != ""}

    def _update(self, row: Row, client: Client) -> Client:
        """Change the client as the row says (or tell why not); returns the client as it now is."""
        groups = self._group_list(row.groups) if row.groups is not None else None
        same = self._unchanged(row, client, groups)
        if same and not self._contact_changes(row, client):
            row.result = self._result(row, RowOutcome.UNCHANGED, client=client)
            self._remember(row, client.pk)
            return client
        before = self._snapshot(client)
        history_before = client.history_entries.values_list("history_id", flat=True).first()
        contact: ContactResult | None = None
        try:
            with transaction.atomic():
                updated = client
                if not same:
                    updated = client_services.client_update(
                        client=client,
                        user=self.user,
                        version=client.version,
                        values=row.values,
                        owner=row.owner,
                        groups=groups,
                        reason=self.reason,
                        custom_fields=row.custom or None,
                    )
                if row.contact:
                    contact = self._contact(row, updated, contacts=list(client.contacts.all()))
                after = self._snapshot(updated)
                changes = {
                    self.labels.get(key, key): [old, after[key]] for key, old in before.items() if after[key] != old
                }
                if contact is not None:
                    changes.update(contact.changes)
                if not changes:
                    # The values differed only in how they were written (spaces in a phone, a
                    # country's name for its code): nothing to record.
                    transaction.set_rollback(True)
        except (ValidationError, DomainError) as error:
            row.messages += _messages(error, self.labels) if isinstance(error, ValidationError) else [str(error)]
            return client
        self._remember(row, client.pk)
        if not changes:
            row.result = self._result(row, RowOutcome.UNCHANGED, client=client)
            return client
        row.result = self._result(row, RowOutcome.UPDATE, client=updated)
        row.result.changes = changes
        if updated is not client:
            row.result.client_version = updated.version
            row.result.history_before = history_before
        if contact is not None and (contact.created or contact.before is not None):
            row.result.contact = contact.contact
            row.result.contact_created = contact.created
            row.result.contact_before = contact.before
            row.result.contact_after = contact.after
        return updated

    def _unchanged(self, row: Row, client: Client, groups: list[ClientGroup] | None) -> bool:
        """Whether the row only repeats what the client holds (no service call needed)."""
        for key, value in row.values.items():
            if key not in _COMPARED:
                return False
            stored = getattr(client, key)
            if stored != value and not (isinstance(stored, str) and str(value) == stored):
                return False
        for name, value in row.custom.items():
            if client.custom_fields.get(name) != value:
                return False
        if row.owner is not None and row.owner.pk != client.owner_id:
            return False
        return groups is None or {g.pk for g in groups} == {g.pk for g in client.groups.all()}

    def _snapshot(self, client: Client) -> dict[str, str]:
        """The client's values as the file's columns show them, to list what an update changed."""
        shown = {}
        for column in self.columns:
            if column.part == cols.Part.CLIENT:
                shown[column.key] = cols.format_cell(column, getattr(client, column.key))
            elif column.part == cols.Part.CUSTOM:
                shown[column.key] = cols.format_cell(column, client.custom_fields.get(column.custom_name))
        shown["owner"] = client.owner.username if client.owner_id else ""
        shown["groups"] = cols.LIST_SEPARATOR.join(sorted(g.name for g in client.groups.all()))
        return shown

    # Contacts ------------------------------------------------------------------------------------

    def _find_contact(self, row: Row, contacts: Sequence[Contact]) -> Contact | None:
        email = str(row.contact.get("email", "")).casefold()
        if email:
            found = next((c for c in contacts if c.email.casefold() == email), None)
            if found is not None:
                return found
        name = (str(row.contact.get("first_name", "")).casefold(), str(row.contact.get("last_name", "")).casefold())
        return next((c for c in contacts if (c.first_name.casefold(), c.last_name.casefold()) == name), None)

    def _contact_changes(self, row: Row, client: Client) -> bool:
        if not row.contact:
            return False
        contact = self._find_contact(row, list(client.contacts.all()))
        if contact is None:
            return True
        return any(str(getattr(contact, name)) != str(value) for name, value in row.contact.items())

    def _contact(self, row: Row, client: Client, *, contacts: Sequence[Contact]) -> "ContactResult":
        """The row's contact person added to the client, or the one it names (by e-mail, else name) changed."""
        try:
            return self._save_contact(row, client, contacts=contacts)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            # The contact's fields are named as the file's contact columns ("Contact: phone").
            raise ValidationError({f"contact_{name}": errors for name, errors in error.error_dict.items()}) from None

    def _save_contact(self, row: Row, client: Client, *, contacts: Sequence[Contact]) -> "ContactResult":
        values = dict(row.contact)
        existing = self._find_contact(row, contacts)
        label = _("Contact")
        if existing is None:
            values.setdefault("is_primary", not contacts)
            contact = client_services.contact_create(client=client, user=self.user, values=values)
            after = _contact_values(contact)
            return ContactResult(contact, True, None, after, {label: ["", str(contact)]})
        before = _contact_values(existing)
        changed = {name: value for name, value in values.items() if str(before.get(name, "")) != str(value)}
        if not changed:
            return ContactResult(existing, False, None, None, {})
        contact = client_services.contact_update(contact=existing, user=self.user, values=changed)
        after = _contact_values(contact)
        changes = {
            f"{label} · {self.labels.get(name, name)}": [before[name], after[name]]
            for name in changed
            if before.get(name) != after.get(name)
        }
        return ContactResult(contact, False, before, after, changes)

    # Results -------------------------------------------------------------------------------------

    def _result(self, row: Row, outcome: str, *, client: Client | None = None, created: bool = False) -> ImportRow:
        return ImportRow(
            job=self.job,
            number=row.number,
            outcome=outcome,
            client=client,
            client_created=created,
        )

    def _rejected(self, row: Row) -> ImportRow:
        return ImportRow(
            job=self.job,
            number=row.number,
            outcome=RowOutcome.ERROR,
            messages=row.messages or [_("The row could not be imported.")],
            cells=row.cells,
        )


@dataclass
class ContactResult:
    contact: Contact
    created: bool
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    changes: dict[str, list[str]]


def _contact_values(contact: Contact) -> dict[str, Any]:
    return {
        name: getattr(contact, name) for name in ("first_name", "last_name", "position", "email", "phone", "language")
    }
