"""Every write of an import: upload, read settings, mapping and options, start (dry or real), revert; saved mappings.

An import is set up in the request (reading a file's first rows is quick) and run by the worker
(``clientela.exchange.tasks``): a 100,000-row file never holds a web request. The same functions
serve the wizard, the API and ``manage.py import_clients`` (which runs the pass in its own process).
"""

import logging
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.clients import services as client_services
from clientela.clients.fields import RecordType
from clientela.clients.models import Client, ClientGroup, Contact
from clientela.clients.record_fields import definitions
from clientela.core.errors import DomainError, PermissionDenied
from clientela.exchange import columns as cols
from clientela.exchange.importer import Importer
from clientela.exchange.mapping import suggest_mapping
from clientela.exchange.models import (
    DEFAULT_MATCH_KEYS,
    EmptyCells,
    ImportJob,
    ImportMapping,
    ImportMode,
    ImportRow,
    ImportStatus,
    MatchKey,
    RowOutcome,
)
from clientela.exchange.readers import ImportFileError, Table, detect_format, open_table
from clientela.exchange.storage import local_path

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 12


def _ensure_own(job: ImportJob, user: User) -> None:
    if job.user_id != user.pk and not user.is_admin:
        raise PermissionDenied(_("This import belongs to someone else."))


def _ensure_editable(job: ImportJob) -> None:
    if job.status not in (ImportStatus.DRAFT, ImportStatus.CHECKED, ImportStatus.FAILED) or (
        job.status == ImportStatus.FAILED and not job.is_dry_run and not job.all_or_nothing
    ):
        raise DomainError(_("This import has already run; start a new one to import the file again."), code="ran")


def _read(job: ImportJob, **overrides: Any) -> Table:
    with local_path(job.file) as path:
        return open_table(
            path,
            filename=job.filename,
            encoding=overrides.get("encoding", job.encoding) or None,
            delimiter=overrides.get("delimiter", job.delimiter) or None,
            sheet=overrides.get("sheet", job.sheet) or None,
            header_row=overrides.get("header_row"),
        )


def _take_table(job: ImportJob, table: Table) -> None:
    """The job's read settings and first rows from a freshly read table; the mapping suggested anew."""
    job.format = table.format
    job.encoding = table.encoding
    job.delimiter = table.delimiter
    job.sheets = table.sheets
    job.sheet = table.sheet
    job.header_row = table.header_row
    job.headers = table.headers
    job.preview = table.preview(PREVIEW_ROWS + table.header_row)
    job.mapping = suggest_mapping(table.headers, cols.client_columns())


@transaction.atomic
def import_upload(*, user: User, file: Any, filename: str, max_bytes: int | None = None) -> ImportJob:
    """Keep an uploaded file and read its first rows; the mapping is suggested from its headers.

    A file that cannot be read is refused with the reason and nothing is kept.
    """
    require_action(user, Action.CREATE)
    limit = max_bytes if max_bytes is not None else settings.CLIENTELA_IMPORT_MAX_BYTES
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ImportFileError(
            _("The file is %(size)s; the largest file an import takes is %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)}
        )
    file.seek(0)
    head = file.read(8192)
    file.seek(0)
    detect_format(filename, head)  # refuses what is not a table before anything is stored
    job = ImportJob(user=user, filename=Path(filename).name[:255], size=size or 0)
    job.file.save(f"import{Path(filename).suffix.lower()[:6]}", File(file), save=False)
    try:
        with local_path(job.file) as path:
            _take_table(job, open_table(path, filename=filename, max_bytes=limit))
    except Exception:
        job.file.delete(save=False)
        raise
    job.size = job.file.size
    job.match_keys = _default_match_keys()
    job.save()
    transaction.on_commit(_forget_old_files)
    return job


def _megabytes(size: int) -> str:
    from django.template.defaultfilters import filesizeformat

    return str(filesizeformat(size))


def _default_match_keys() -> list[str]:
    keys = [str(key) for key in DEFAULT_MATCH_KEYS]
    keys += [
        f"{cols.CUSTOM_PREFIX}{d.name}" for d in definitions(RecordType.CLIENT) if not d.is_builtin and d.is_unique
    ]
    return keys


def match_key_choices() -> list[tuple[str, str]]:
    """The keys an import can match rows by: the built-in ones and every unique custom field."""
    choices = [(str(key), str(label)) for key, label in MatchKey.choices]
    choices += [
        (f"{cols.CUSTOM_PREFIX}{d.name}", d.label)
        for d in definitions(RecordType.CLIENT)
        if not d.is_builtin and d.is_unique and d.is_enabled
    ]
    return choices


@transaction.atomic
def import_read_settings(
    *,
    job: ImportJob,
    user: User,
    encoding: str = "",
    delimiter: str = "",
    sheet: str = "",
    header_row: int | None = None,
) -> ImportJob:
    """Read the file again with other settings (encoding, delimiter, sheet, header row); the mapping follows."""
    _ensure_own(job, user)
    _ensure_editable(job)
    table = _read(job, encoding=encoding, delimiter=delimiter, sheet=sheet, header_row=header_row)
    _take_table(job, table)
    job.status = ImportStatus.DRAFT
    job.save()
    return job


def _checked_mapping(job: ImportJob, mapping: Sequence[str]) -> list[str]:
    if len(mapping) != len(job.headers):
        raise ValidationError({"mapping": _("Give a field (or nothing) for each column of the file.")})
    known = {column.key: column for column in cols.client_columns() if column.importable}
    errors = []
    seen: dict[str, str] = {}
    for header, key in zip(job.headers, mapping, strict=True):
        if not key:
            continue
        if key not in known:
            errors.append(_("“%(header)s”: there is no field “%(key)s”.") % {"header": header, "key": key})
        elif key in seen:
            errors.append(
                _("“%(header)s” and “%(other)s” both go to “%(field)s”; choose one.")
                % {"header": seen[key], "other": header, "field": known[key].label}
            )
        seen.setdefault(key, header)
    if not any(mapping):
        errors.append(_("Choose a field for at least one column."))
    if errors:
        raise ValidationError({"mapping": errors})
    return list(mapping)


@transaction.atomic
def import_set_options(
    *,
    job: ImportJob,
    user: User,
    mapping: Sequence[str],
    match_keys: Sequence[str],
    mode: str = ImportMode.UPSERT,
    empty_cells: str = EmptyCells.KEEP,
    all_or_nothing: bool = False,
    save_mapping_as: str = "",
) -> ImportJob:
    """What goes where and what to do with the rows that match; optionally the mapping saved under a name."""
    _ensure_own(job, user)
    _ensure_editable(job)
    errors: dict[str, Any] = {}
    try:
        job.mapping = _checked_mapping(job, mapping)
    except ValidationError as error:
        errors.update(error.error_dict)
    allowed = {key for key, _label in match_key_choices()}
    unknown = [key for key in match_keys if key not in allowed]
    if unknown:
        errors["match_keys"] = [_("These match keys do not exist: %(keys)s") % {"keys": ", ".join(unknown)}]
    if mode not in ImportMode.values:
        errors["mode"] = [_("Choose what to do with the rows.")]
    if empty_cells not in EmptyCells.values:
        errors["empty_cells"] = [_("Choose what an empty cell does.")]
    if errors:
        raise ValidationError(errors)
    job.match_keys = list(dict.fromkeys(match_keys))
    job.mode = mode
    job.empty_cells = empty_cells
    job.all_or_nothing = all_or_nothing
    job.save()
    if save_mapping_as.strip():
        mapping_save(user=user, name=save_mapping_as, headers=job.headers, mapping=job.mapping)
    return job


def import_start(*, job: ImportJob, user: User, dry_run: bool, enqueue: bool = True) -> ImportJob:
    """Queue a pass over the file for the worker: a dry run, or the import itself.

    ``enqueue=False`` leaves it for the caller to run (``import_execute``) in its own process.
    """
    from clientela.exchange.tasks import run_import

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _ensure_own(job, user)
        _ensure_editable(job)
        require_action(user, Action.EDIT if job.mode == ImportMode.UPDATE else Action.CREATE)
        if not any(job.mapping):
            raise ValidationError({"mapping": [_("Choose a field for at least one column.")]})
        job.rows.all().delete()
        job.status = ImportStatus.QUEUED
        job.is_dry_run = dry_run
        job.processed_rows = job.created_count = job.updated_count = job.unchanged_count = 0
        job.skipped_count = job.rejected_count = 0
        job.started_at = job.finished_at = None
        job.error = ""
        job.save()
        if enqueue:
            transaction.on_commit(lambda: run_import.enqueue(job.pk))
    return job


def _counts(counts: Counter) -> dict[str, int]:
    return {
        "processed_rows": counts["processed"],
        "created_count": counts[RowOutcome.CREATE],
        "updated_count": counts[RowOutcome.UPDATE],
        "unchanged_count": counts[RowOutcome.UNCHANGED],
        "skipped_count": counts[RowOutcome.SKIP],
        "rejected_count": counts[RowOutcome.ERROR],
    }


def import_execute(job_id: int, *, on_progress: Any = None) -> ImportJob | None:
    """The worker's side of ``import_start`` (and the command's): run the queued pass and record how it went.

    Safe to retry: a job that is not queued (already run, or running elsewhere) is left alone.
    """
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    # The rows' reasons are written in the importer's language (the worker has none of its own).
    with translation.override(job.user.language or settings.LANGUAGE_CODE):
        return _execute(job, on_progress)


def _execute(job: ImportJob, on_progress: Any) -> ImportJob:
    job_id = job.pk
    began = time.perf_counter()

    def progress(done: int, counts: Counter) -> None:
        ImportJob.objects.filter(pk=job_id).update(**_counts(counts))
        if on_progress is not None:
            on_progress(done, counts)

    try:
        importer = Importer(job, dry_run=job.is_dry_run, progress=progress)
        with local_path(job.file) as path:
            table = importer.open(path)
            ImportJob.objects.filter(pk=job_id).update(total_rows=table.count_rows())
            counts = importer.run(table)
    except (ImportFileError, DomainError) as error:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(), error=str(error)
        )
        return ImportJob.objects.get(pk=job_id)
    except Exception as error:
        logger.exception("Import %s failed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            error=_("The import stopped on an unexpected error (%(error)s); the rows before it are imported, "
                    "the rest are not. Revert it, or import the file again: the rows already in are then matched, "
                    "not doubled.")
            % {"error": type(error).__name__},
        )  # fmt: skip
        raise
    status = ImportStatus.CHECKED if job.is_dry_run else ImportStatus.DONE
    failure = ""
    if job.all_or_nothing and not job.is_dry_run and counts[RowOutcome.ERROR]:
        status = ImportStatus.FAILED
        rejected = counts[RowOutcome.ERROR]
        failure = ngettext(
            "Nothing was imported: %(count)d row was rejected and this import is all or nothing.",
            "Nothing was imported: %(count)d rows were rejected and this import is all or nothing.",
            rejected,
        ) % {"count": rejected}
    ImportJob.objects.filter(pk=job_id).update(
        status=status,
        finished_at=timezone.now(),
        seconds=time.perf_counter() - began,
        error=failure,
        total_rows=counts["processed"],
        groups_created=importer.groups_created if not job.is_dry_run and status == ImportStatus.DONE else [],
        **_counts(counts),
    )
    return ImportJob.objects.get(pk=job_id)


# Revert ------------------------------------------------------------------------------------------


def import_revert(*, job: ImportJob, user: User) -> ImportJob:
    """Queue the undoing of a finished import, within the time allowed (``CLIENTELA_IMPORT_REVERT_HOURS``)."""
    from clientela.exchange.tasks import revert_import

    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        _ensure_own(job, user)
        if not job.can_revert:
            raise DomainError(
                ngettext(
                    "This import can no longer be reverted: only a finished import, within %(hours)d hour.",
                    "This import can no longer be reverted: only a finished import, within %(hours)d hours.",
                    settings.CLIENTELA_IMPORT_REVERT_HOURS,
                )
                % {"hours": settings.CLIENTELA_IMPORT_REVERT_HOURS},
                code="too_late",
            )
        job.status = ImportStatus.REVERTING
        job.reverted_by = user
        job.save(update_fields=["status", "reverted_by", "updated_at"])
        transaction.on_commit(lambda: revert_import.enqueue(job.pk))
    return job


def import_revert_execute(job_id: int) -> ImportJob | None:
    """The worker's side of ``import_revert``: each row undone unless its record changed since (then kept, listed).

    Rows are undone last first. A client the import created goes with every contact the import
    gave it, once none of them changed since; later rows of the same file that updated it are
    undone with it.
    """
    job = ImportJob.objects.select_related("reverted_by").filter(pk=job_id, status=ImportStatus.REVERTING).first()
    if job is None or job.reverted_by is None:
        return None
    user = job.reverted_by
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return _revert(job, user)


def _revert(job: ImportJob, user: User) -> ImportJob:
    done = job.rows.filter(outcome__in=[RowOutcome.CREATE, RowOutcome.UPDATE])
    created = _CreatedHere(done)
    kept = 0
    for row in done.filter(is_reverted=False).order_by("-number").iterator(chunk_size=500):
        if row.client_id in created.versions and not row.client_created:
            ImportRow.objects.filter(pk=row.pk).update(is_reverted=True)  # undone with the client's creation
            continue
        try:
            with transaction.atomic():
                note = _revert_row(row, user, created)
        except (ValidationError, DomainError) as error:
            note = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        if note:
            kept += 1
            ImportRow.objects.filter(pk=row.pk).update(messages=[*row.messages, note])
        else:
            ImportRow.objects.filter(pk=row.pk).update(is_reverted=True)
    for group in ClientGroup.objects.filter(pk__in=job.groups_created):
        if not group.clients.exists():
            client_services.group_delete(group=group, user=user)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.REVERTED, reverted_at=timezone.now(), kept_count=kept
    )
    return ImportJob.objects.get(pk=job.pk)


class _CreatedHere:
    """The clients an import created: the version it left each at, and the contacts it gave them."""

    def __init__(self, rows: Any) -> None:
        self.versions: dict[int, int] = {}
        # A client two rows updated: the version the revert of the later row left it at.
        self.restored: dict[int, int] = {}
        self.contacts: dict[int, list[tuple[int, Any]]] = {}
        made = set(rows.filter(client_created=True).values_list("client_id", flat=True))
        for client_id, version, contact_id, contact_created, after in rows.filter(client_id__in=made).values_list(
            "client_id", "client_version", "contact_id", "contact_created", "contact_after"
        ):
            if version is not None:
                self.versions[client_id] = max(version, self.versions.get(client_id, 0))
            if contact_id is not None and contact_created:
                self.contacts.setdefault(client_id, []).append((contact_id, after))


def _contact_now(contact: Contact) -> dict[str, Any]:
    return {
        name: getattr(contact, name) for name in ("first_name", "last_name", "position", "email", "phone", "language")
    }


def _revert_row(row: ImportRow, user: User, created: _CreatedHere) -> str:
    """Undo one row; "" when done, else why its record is kept as it is now."""
    changed = _("Kept: changed since the import.")
    client = Client.objects.visible_to(user).filter(pk=row.client_id).first() if row.client_id else None
    if row.client_id and client is None:
        return "" if row.client_created else _("Kept: you can no longer see this client.")
    if row.client_created and client is not None:
        if client.version != created.versions.get(client.pk, row.client_version):
            return changed
        contacts = {c.pk: c for c in Contact.objects.visible_to(user).filter(client=client)}
        for contact_id, after in created.contacts.get(client.pk, []):
            contact = contacts.get(contact_id)
            if contact is not None and _contact_now(contact) != after:
                return changed
        for contact_id, _after in created.contacts.get(client.pk, []):
            if contact_id in contacts:
                client_services.contact_delete(contact=contacts[contact_id], user=user)
        client_services.client_delete(client=client, user=user)  # refused (and kept) if something else links to it
        return ""
    contact = Contact.objects.visible_to(user).filter(pk=row.contact_id).first() if row.contact_id else None
    if contact is not None and row.contact_after is not None and _contact_now(contact) != row.contact_after:
        return changed
    expected = created.restored.get(client.pk, row.client_version) if client is not None else None
    if client is not None and row.client_version is not None and client.version != expected:
        return changed
    if contact is not None and row.contact_created:
        client_services.contact_delete(contact=contact, user=user)
    elif contact is not None and row.contact_before is not None:
        client_services.contact_update(contact=contact, user=user, values=row.contact_before)
    if client is not None and row.history_before is not None and row.client_version is not None:
        restored = client_services.client_restore_version(
            client=client, user=user, history_id=row.history_before, version=client.version
        )
        created.restored[client.pk] = restored.version
    return ""


# Saved mappings ----------------------------------------------------------------------------------


@transaction.atomic
def mapping_save(*, user: User, name: str, headers: Sequence[str], mapping: Sequence[str]) -> ImportMapping:
    """Save (or replace) a mapping under a name: each header, folded, with the field it fills."""
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationError({"save_mapping_as": [_("Give the saved columns a name.")]})
    columns = {cols.fold(header): key for header, key in zip(headers, mapping, strict=True) if header.strip()}
    saved = ImportMapping.objects.filter(name__iexact=name).first() or ImportMapping(name=name, created_by=user)
    saved.columns = columns
    saved.save()
    return saved


def mapping_delete(*, mapping: ImportMapping, user: User) -> None:
    """Forget a saved mapping (its author or an administrator)."""
    if mapping.created_by_id not in (None, user.pk) and not user.is_admin:
        raise PermissionDenied(_("Only its author or an administrator can delete this mapping."))
    mapping.delete()


@transaction.atomic
def import_apply_mapping(*, job: ImportJob, user: User, mapping: ImportMapping) -> ImportJob:
    """Fill the job's mapping from a saved one; headers it does not know keep their suggestion."""
    _ensure_own(job, user)
    _ensure_editable(job)
    job.mapping = applied_mapping(mapping, job.headers, fallback=job.mapping)
    job.save(update_fields=["mapping", "updated_at"])
    return job


def applied_mapping(mapping: ImportMapping, headers: Sequence[str], *, fallback: Sequence[str] = ()) -> list[str]:
    known = {column.key for column in cols.client_columns() if column.importable}
    result = []
    for index, header in enumerate(headers):
        key = mapping.columns.get(cols.fold(header))
        if key is None:
            key = fallback[index] if index < len(fallback) else ""
        result.append(key if key in known else "")
    # A key taken twice (a saved header and a suggestion) keeps its first column.
    seen: set[str] = set()
    for index, key in enumerate(result):
        if key and key in seen:
            result[index] = ""
        seen.add(key)
    return result


# Housekeeping ------------------------------------------------------------------------------------


def _forget_old_files() -> None:
    """Drop the files of imports that can no longer be reverted or run (their rows and counts stay)."""
    horizon = timezone.now() - timedelta(hours=settings.CLIENTELA_IMPORT_REVERT_HOURS + 24)
    for job in ImportJob.objects.filter(created_at__lt=horizon).exclude(file="").only("pk", "file")[:50]:
        if job.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.REVERTING):
            continue
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
