"""Every write to clients, groups and contacts: one function per action, one transaction each."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ManyToOneRel
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges
from simple_history.utils import bulk_create_with_history

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.accounts.selectors import user_team
from clientela.clients import record_fields
from clientela.clients.fields import RecordType
from clientela.clients.models import (
    ADDRESS_PARTS,
    ChangeReason,
    Client,
    ClientGroup,
    ClientStatus,
    Contact,
    client_history_records,
)
from clientela.clients.search import search_text
from clientela.clients.validation import clean_client_values, clean_contact_values
from clientela.core.countries import default_currency
from clientela.core.errors import ConcurrencyError, DomainError, PermissionDenied, RecordLocked

CLIENT_FIELDS = (
    "kind", "name", "tax_id", "registration_id", "vat_id", "email", "phone", "website",
    *(f"billing_{part}" for part in ADDRESS_PARTS),
    "shipping_same_as_billing",
    *(f"shipping_{part}" for part in ADDRESS_PARTS),
    "country", "currency", "language",
)  # fmt: skip
CONTACT_FIELDS = ("first_name", "last_name", "position", "email", "phone", "language", "is_primary")


def _client_search_text(client: Client, contacts: Iterable[Contact] | None = None, fields: Any = None) -> str:
    if contacts is None:
        contacts = client.contacts.all() if client.pk else []
    return search_text(
        name=client.name,
        ids=(client.tax_id, client.registration_id, client.vat_id),
        email=client.email,
        phone=client.phone,
        contacts=(
            *(f"{c.first_name} {c.last_name} {c.email}" for c in contacts),
            # Text-like custom values are found by search too.
            *record_fields.searched_texts(client.custom_fields, fields),
        ),
    )


def _refresh_search_text(client: Client) -> None:
    # A queryset update: the search column is derived data, not a change worth a history entry.
    Client.objects.filter(pk=client.pk).update(search_text=_client_search_text(client))


def _check_owner(*, user: User, owner: User) -> None:
    if not user_team(user=user).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("You can only give clients to yourself or to people in your team.")})


def _save(instance: Any, *, user: User | None, reason: str | None = None, **kwargs: Any) -> None:
    """Save with the history entry naming who did it and why."""
    instance._history_user = user
    instance._change_reason = reason
    instance.save(**kwargs)


def _save_client(client: Client, *, user: User, reason: str, groups: Sequence[ClientGroup] | None = None) -> None:
    """Save a client and its groups, then write one history entry holding both."""
    created = client.pk is None
    client._history_user = user  # type: ignore[attr-defined]
    client._change_reason = reason  # type: ignore[attr-defined]
    client.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        client.save()
        if groups is not None:
            client.groups.set(groups)
    finally:
        del client.skip_history_when_saving  # type: ignore[attr-defined]
    client_history_records.create_historical_record(client, "+" if created else "~")


def _ensure_unlocked(client: Client, user: User) -> None:
    """Refuse a change to a record someone else has locked."""
    if client.is_locked_for(user):
        raise RecordLocked(client.locked_message())


def _ensure_editable(client: Client, user: User) -> None:
    """Refuse a change by someone who may not edit this client (or whom another user's lock keeps out)."""
    _ensure_unlocked(client, user)
    if client.is_merged:
        # Its data lives on in the survivor; changing it would also make the merge impossible to undo.
        raise DomainError(
            _("%(name)s was merged into another client and can no longer be changed.") % {"name": client.name},
            code="merged",
        )
    if not user.is_admin and not Client.objects.editable_by(user).filter(pk=client.pk).exists():
        raise PermissionDenied(_("You may not change this client."))


def _client_values(values: Mapping[str, Any], *, current: Client | None = None) -> dict[str, Any]:
    unknown = set(values) - set(CLIENT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    merged = {field: getattr(current, field) for field in CLIENT_FIELDS} if current else {}
    merged.update(values)
    if not merged.get("currency") and merged.get("country"):
        merged["currency"] = default_currency(str(merged["country"]).upper())
    return clean_client_values(merged)


@transaction.atomic
def client_create(
    *,
    user: User,
    values: Mapping[str, Any],
    owner: User | None = None,
    groups: Sequence[ClientGroup] = (),
    custom_fields: Mapping[str, Any] | None = None,
) -> Client:
    """Create a client owned by ``owner`` (the user by default); ``custom_fields`` by original name."""
    require_action(user, Action.CREATE)
    owner = owner or user
    _check_owner(user=user, owner=owner)
    fields = record_fields.definitions(RecordType.CLIENT)
    client = _new_client(values, custom_fields, user=user, owner=owner, fields=fields)
    _check_required_groups(client, groups, fields, given={"groups"})
    client.search_text = _client_search_text(client, fields=fields)
    with record_fields.guard(RecordType.CLIENT, client.custom_fields, fields):
        _save_client(client, user=user, reason=ChangeReason.CREATED, groups=groups)
    return client


def _new_client(
    values: Mapping[str, Any], custom_fields: Mapping[str, Any] | None, *, user: User, owner: User, fields: Any
) -> Client:
    """An unsaved client from checked values: built-in rules and custom values applied."""
    cleaned = _client_values(values)
    kind = cleaned.get("kind") or Client._meta.get_field("kind").default
    errors: dict[str, Any] = {}
    try:
        record_fields.check_builtins(
            record_type=RecordType.CLIENT, kind=kind, given=values, values=cleaned, current=None,
            user=user, owner=owner, fields=fields,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.error_dict)
    custom: dict[str, Any] = {}
    try:
        custom = record_fields.clean_custom(
            record_type=RecordType.CLIENT, kind=kind, values=custom_fields, current=None, user=user,
            owner=owner, country=cleaned.get("billing_country") or cleaned.get("country", ""), fields=fields,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.error_dict if hasattr(error, "error_dict") else {"custom_fields": error.error_list})
    if errors:
        raise ValidationError(errors)
    return Client(**cleaned, custom_fields=custom, owner=owner, created_by=user, updated_by=user)


def _check_required_groups(client: Client, groups: Any, fields: Any, *, given: Iterable[str]) -> None:
    # "groups" is a built-in field too, and may be made required.
    if groups is None or "groups" not in set(given):
        return
    for definition in fields:
        if (
            definition.name == "groups"
            and definition.is_builtin
            and definition.is_enabled
            and definition.is_required
            and not list(groups)
        ):
            raise ValidationError({"groups": _("Fill in “%(label)s”.") % {"label": definition.label}})


@transaction.atomic
def client_update(
    *,
    client: Client,
    user: User,
    version: int,
    values: Mapping[str, Any],
    owner: User | None = None,
    groups: Sequence[ClientGroup] | None = None,
    reason: str | None = None,
    custom_fields: Mapping[str, Any] | None = None,
) -> Client:
    """Change a client; refused when it changed since the user read ``version``.

    ``custom_fields`` holds the custom values to change (by original name; an empty value clears one).
    """
    require_action(user, Action.EDIT)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    _ensure_editable(locked, user)
    if locked.version != version:
        raise ConcurrencyError(
            _("Someone else changed this client since you opened it. Reload it and make your change again.")
        )
    fields = record_fields.definitions(RecordType.CLIENT)
    relations_changed = []
    if owner is not None and owner.pk != locked.owner_id:
        _check_owner(user=user, owner=owner)
        relations_changed.append("owner")
    if groups is not None and {g.pk for g in groups} != set(locked.groups.values_list("pk", flat=True)):
        relations_changed.append("groups")
    cleaned = _client_values(values, current=locked)
    kind = cleaned.get("kind") or locked.kind
    errors: dict[str, Any] = {}
    try:
        record_fields.check_builtins(
            record_type=RecordType.CLIENT, kind=kind, given=values, values=cleaned, current=locked, user=user,
            owner=locked.owner, fields=fields, extra_changed=relations_changed,
        )  # fmt: skip
        _check_required_groups(locked, groups, fields, given=["groups"] if "groups" in relations_changed else [])
    except ValidationError as error:
        errors.update(error.error_dict)
    try:
        custom = record_fields.clean_custom(
            record_type=RecordType.CLIENT, kind=kind, values=custom_fields, current=locked.custom_fields,
            user=user, owner=locked.owner, country=cleaned.get("billing_country") or cleaned.get("country", ""),
            record_id=locked.pk, fields=fields,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.error_dict if hasattr(error, "error_dict") else {"custom_fields": error.error_list})
    if errors:
        raise ValidationError(errors)
    if owner is not None and owner.pk != locked.owner_id:
        locked.owner = owner
    for field, value in cleaned.items():
        setattr(locked, field, value)
    locked.custom_fields = custom
    locked.version += 1
    locked.updated_by = user
    locked.search_text = _client_search_text(locked, fields=fields)
    with record_fields.guard(RecordType.CLIENT, custom, fields):
        _save_client(locked, user=user, reason=reason or ChangeReason.CHANGED, groups=groups)
    return locked


def _set_status(*, client: Client, user: User, status: str, reason: str) -> Client:
    require_action(user, Action.EDIT)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    _ensure_editable(locked, user)
    if locked.status == status:
        return locked
    locked.status = status
    locked.version += 1
    locked.updated_by = user
    _save_client(locked, user=user, reason=reason)
    return locked


@transaction.atomic
def client_invalidate(*, client: Client, user: User) -> Client:
    """Hide a client from lists and search; it stays stored and can be restored."""
    return _set_status(client=client, user=user, status=ClientStatus.INVALID, reason=ChangeReason.INVALIDATED)


@transaction.atomic
def client_restore(*, client: Client, user: User) -> Client:
    """Make an invalidated client active again."""
    return _set_status(client=client, user=user, status=ClientStatus.ACTIVE, reason=ChangeReason.RESTORED)


def client_links(client: Client) -> list[tuple[str, int]]:
    """What still points at a client, as (name of the record type, count); history does not count.

    Found from the model's relations, so a record type added later is counted without a change here.
    """
    links = []
    for relation in Client._meta.related_objects:
        # Many-to-one and one-to-one reverse relations; group memberships are labels and history
        # rows are the record's own past, so neither counts as a link.
        if not isinstance(relation, ManyToOneRel) or issubclass(relation.related_model, HistoricalChanges):
            continue
        count = relation.related_model._base_manager.filter(**{relation.field.name: client}).count()
        if count:
            model_meta = relation.related_model._meta
            links.append((str(model_meta.verbose_name if count == 1 else model_meta.verbose_name_plural), count))
    return links


@transaction.atomic
def client_delete(*, client: Client, user: User) -> None:
    """Delete a client for good, which is allowed only once nothing links to it."""
    require_action(user, Action.DELETE)
    _ensure_editable(Client.objects.select_for_update().get(pk=client.pk), user)
    links = client_links(client)
    if links:
        named = ", ".join(f"{count} × {name}" for name, count in links)
        raise DomainError(
            _("This client cannot be deleted because these records still link to it: %(links)s. Invalidate it instead.")
            % {"links": named},
            code="linked",
        )
    client._history_user = user  # type: ignore[attr-defined]
    client.skip_history_when_saving = True  # type: ignore[attr-defined]
    client.groups.clear()
    del client.skip_history_when_saving  # type: ignore[attr-defined]
    client.delete()


@transaction.atomic
def client_lock(*, client: Client, user: User) -> Client:
    """Lock a client so that nobody else can change or delete it until it is unlocked."""
    require_action(user, Action.LOCK)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    _ensure_editable(locked, user)
    if locked.locked_by_id == user.pk:
        return locked
    locked.locked_by, locked.locked_at = user, timezone.now()
    _save_client(locked, user=user, reason=ChangeReason.LOCKED)
    return locked


@transaction.atomic
def client_unlock(*, client: Client, user: User) -> Client:
    """Unlock a client; only whoever locked it, or an admin, may."""
    require_action(user, Action.LOCK)
    locked = Client.objects.select_for_update().get(pk=client.pk)
    if locked.locked_by_id is None:
        return locked
    if locked.locked_by_id != user.pk and not user.is_admin:
        raise PermissionDenied(locked.locked_message())
    locked.locked_by, locked.locked_at = None, None
    _save_client(locked, user=user, reason=ChangeReason.UNLOCKED)
    return locked


@transaction.atomic
def client_restore_version(*, client: Client, user: User, history_id: int, version: int) -> Client:
    """Put a client's fields and groups back as they were in an earlier history entry (a new change)."""
    entry = client.history_entries.filter(history_id=history_id).first()
    if entry is None:
        raise DomainError(_("That version of the client does not exist."), code="not_found")
    values = {field: getattr(entry, field) for field in CLIENT_FIELDS}
    # Custom values as they were: each field that exists today is set (or cleared); values of
    # fields deleted since are left out.
    old_custom = getattr(entry, "custom_fields", None) or {}
    fields = record_fields.definitions(RecordType.CLIENT)
    custom = {d.name: old_custom.get(d.name) for d in fields if not d.is_builtin}
    owner = User.objects.filter(pk=entry.owner_id).first()
    groups = list(ClientGroup.objects.filter(pk__in=[row.clientgroup_id for row in entry.groups.all()]))
    return client_update(
        client=client,
        user=user,
        version=version,
        values=values,
        owner=owner if owner and owner.pk != client.owner_id else None,
        groups=groups,
        reason=ChangeReason.restored_version(entry.history_date),
        custom_fields=custom,
    )


@transaction.atomic
def client_transfer(
    *,
    user: User,
    to_owner: User,
    clients: Iterable[Client] | None = None,
    from_owner: User | None = None,
    include_open_documents: bool = False,
) -> int:
    """Give clients to another owner: the chosen ones, or every client of ``from_owner``.

    Contacts belong to their client and go with it. ``include_open_documents`` also hands over
    the client's open documents (offers, orders, projects) once those record types exist.
    Each client gets one history entry; nothing else about it changes. Returns how many moved.
    """
    require_action(user, Action.TRANSFER)
    if (clients is None) == (from_owner is None):
        raise ValidationError(_("Choose the clients to transfer, or the user whose clients to transfer."))
    if not to_owner.is_active:
        raise ValidationError({"to_owner": _("%(name)s is no longer active.") % {"name": to_owner}})
    _check_owner(user=user, owner=to_owner)
    if clients is not None:
        wanted = Client.objects.filter(pk__in=[client.pk for client in clients])
    else:
        # Merged-away clients stay as they were: their merge can then still be undone.
        wanted = Client.objects.filter(owner=from_owner).exclude(status=ClientStatus.MERGED)
    visible = wanted.visible_to(user)
    # All or nothing: one client the user may not change stops the whole transfer.
    refused = visible.exclude(pk__in=Client.objects.editable_by(user).values("pk")).first()
    if refused is not None:
        if refused.is_locked_for(user):
            raise RecordLocked(refused.locked_message())
        raise PermissionDenied(_("You may not change %(name)s.") % {"name": refused})
    if clients is not None and visible.count() != wanted.count():
        raise PermissionDenied(_("Some of these clients are not visible to you."))
    moved = 0
    for client in visible.select_for_update().exclude(owner=to_owner).order_by("pk"):
        client.owner = to_owner
        client.version += 1
        client.updated_by = user
        _save_client(client, user=user, reason=ChangeReason.TRANSFERRED)
        moved += 1
    return moved


def _bulk(clients: Sequence[Client], user: User, change: Any) -> int:
    """Apply one single-client service to each client, all or nothing; returns how many changed."""
    changed = 0
    with transaction.atomic():
        for client in clients:
            before = (client.status, client.locked_by_id, client.version)
            after = change(client=client, user=user)
            changed += (after.status, after.locked_by_id, after.version) != before
    return changed


def client_bulk_lock(*, user: User, clients: Sequence[Client]) -> int:
    """Lock many clients at once; one the user may not lock stops them all."""
    return _bulk(clients, user, client_lock)


def client_bulk_unlock(*, user: User, clients: Sequence[Client]) -> int:
    """Unlock many clients at once; one locked by someone else stops them all (unless an admin)."""
    return _bulk(clients, user, client_unlock)


def client_bulk_invalidate(*, user: User, clients: Sequence[Client]) -> int:
    """Invalidate many clients at once, all or nothing."""
    return _bulk(clients, user, client_invalidate)


def client_bulk_restore(*, user: User, clients: Sequence[Client]) -> int:
    """Restore many invalidated clients at once, all or nothing."""
    return _bulk(clients, user, client_restore)


def client_bulk_create(
    *, user: User, rows: Sequence[Mapping[str, Any]], owner: User | None = None, batch_size: int = 2000
) -> int:
    """Create many clients at once (imports, demo data, benchmarks): validated, with history."""
    require_action(user, Action.CREATE)
    owner = owner or user
    _check_owner(user=user, owner=owner)
    fields = record_fields.definitions(RecordType.CLIENT)
    clients = []
    for row in rows:
        # A row may carry "custom_fields" (by original name), checked like any other path's.
        values = dict(row)
        custom = values.pop("custom_fields", None)
        client = _new_client(values, custom, user=user, owner=owner, fields=fields)
        client.search_text = _client_search_text(client, contacts=[], fields=fields)
        clients.append(client)
    with transaction.atomic(), record_fields.guard(RecordType.CLIENT, {}, fields):
        bulk_create_with_history(
            clients, Client, batch_size=batch_size, default_user=user, default_change_reason=ChangeReason.CREATED
        )
    return len(clients)


@dataclass(frozen=True)
class NewClient:
    """One client for ``client_import_create``: its values as ``client_create`` takes them."""

    values: Mapping[str, Any]
    custom_fields: Mapping[str, Any] | None = None
    owner: User | None = None
    groups: Sequence[ClientGroup] = ()


def client_import_create(*, user: User, rows: Sequence[NewClient], reason: str) -> list[Client | ValidationError]:
    """Create many clients, each checked as ``client_create`` checks one; one bulk insert with history.

    Returns, row for row, the created client or the error that kept it out: a bad row does not stop
    the others. The caller owns the transaction (an import makes a batch all or nothing on a
    database error, and retries it row by row).
    """
    require_action(user, Action.CREATE)
    team = set(user_team(user=user).values_list("pk", flat=True))
    fields = record_fields.definitions(RecordType.CLIENT)
    results: list[Client | ValidationError] = []
    created: list[tuple[Client, Sequence[ClientGroup]]] = []
    for row in rows:
        owner = row.owner or user
        try:
            if owner.pk not in team:
                raise ValidationError({"owner": _("You can only give clients to yourself or to people in your team.")})
            client = _new_client(row.values, row.custom_fields, user=user, owner=owner, fields=fields)
            _check_required_groups(client, row.groups, fields, given={"groups"})
        except ValidationError as error:
            results.append(error)
            continue
        client.search_text = _client_search_text(client, contacts=[], fields=fields)
        results.append(client)
        created.append((client, row.groups))
    if not created:
        return results
    clients = [client for client, _groups in created]
    # A clash with a value saved meanwhile names the value when there is one row to blame.
    clashing = clients[0].custom_fields if len(clients) == 1 else {}
    with record_fields.guard(RecordType.CLIENT, clashing, fields):
        bulk_create_with_history(clients, Client, batch_size=500, default_user=user, default_change_reason=reason)
    _add_groups_with_history(created)
    return results


def _add_groups_with_history(created: Sequence[tuple[Client, Sequence[ClientGroup]]]) -> None:
    """The groups of bulk-created clients, in the clients and in their first history entries."""
    with_groups = [(client, groups) for client, groups in created if groups]
    if not with_groups:
        return
    Membership = Client.groups.through
    memberships = Membership.objects.bulk_create(
        [Membership(client_id=client.pk, clientgroup_id=group.pk) for client, groups in with_groups for group in groups]
    )
    History = Client.history.model
    first_entries = dict(
        History.objects.filter(id__in=[client.pk for client, _groups in with_groups], history_type="+").values_list(
            "id", "history_id"
        )
    )
    # simple-history's copy of the membership keeps the membership's own id beside its history link.
    HistoryMembership = client_history_records.m2m_models[Client._meta.get_field("groups")]
    HistoryMembership.objects.bulk_create(
        [
            HistoryMembership(
                id=membership.pk,
                history_id=first_entries[membership.client_id],
                client_id=membership.client_id,
                clientgroup_id=membership.clientgroup_id,
            )
            for membership in memberships
        ]
    )


# Groups ------------------------------------------------------------------------------------------


def _clean_group(name: str, description: str, *, exclude: int | None = None) -> tuple[str, str]:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter the group's name.")})
    clash = ClientGroup.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": _("A group named “%(name)s” already exists.") % {"name": name}})
    return name, (description or "").strip()


def _save_group(group: ClientGroup, *, user: User, reason: str) -> ClientGroup:
    try:
        with transaction.atomic():
            _save(group, user=user, reason=reason)
    except IntegrityError:
        # Two users created the same name at the same moment; the database constraint decided.
        raise ValidationError({"name": _("A group named “%(name)s” already exists.") % {"name": group.name}}) from None
    return group


@transaction.atomic
def group_create(*, user: User, name: str, description: str = "") -> ClientGroup:
    """Create a client group; names are unique ignoring case."""
    require_action(user, Action.CREATE)
    name, description = _clean_group(name, description)
    return _save_group(ClientGroup(name=name, description=description), user=user, reason=ChangeReason.CREATED)


@transaction.atomic
def group_update(*, group: ClientGroup, user: User, name: str, description: str = "") -> ClientGroup:
    """Rename or describe a group."""
    require_action(user, Action.EDIT)
    group.name, group.description = _clean_group(name, description, exclude=group.pk)
    return _save_group(group, user=user, reason=ChangeReason.CHANGED)


@transaction.atomic
def group_delete(*, group: ClientGroup, user: User) -> int:
    """Delete a group; its clients stay, without it. Returns how many clients it had."""
    require_action(user, Action.DELETE)
    through = Client.groups.through
    memberships = through.objects.filter(clientgroup=group)
    count = memberships.count()
    group._history_user = user  # type: ignore[attr-defined]
    memberships.delete()
    group.delete()
    return count


# Contacts ----------------------------------------------------------------------------------------


def _ensure_contact_editable(contact: Contact, user: User) -> None:
    require_action(user, Action.EDIT)
    _ensure_unlocked(contact.client, user)
    if not user.is_admin and not Contact.objects.editable_by(user).filter(pk=contact.pk).exists():
        raise PermissionDenied(_("You may not change this contact."))


def _contact_values(values: Mapping[str, Any], *, client: Client) -> dict[str, Any]:
    unknown = set(values) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    return clean_contact_values(values, country=client.billing_country or client.country)


def _make_primary(contact: Contact) -> None:
    # Only one primary contact per client: the new primary takes the flag from the old one.
    if contact.is_primary:
        others = Contact.objects.select_for_update().filter(client_id=contact.client_id, is_primary=True)
        for other in others.exclude(pk=contact.pk):
            other.is_primary = False
            _save(other, user=getattr(contact, "_history_user", None), reason=ChangeReason.PRIMARY_MOVED)


def _checked_contact_values(
    values: Mapping[str, Any],
    custom_fields: Mapping[str, Any] | None,
    *,
    client: Client,
    user: User,
    contact: Contact | None,
    fields: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A contact's built-in and custom values, checked with the field settings; one error for all."""
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = _contact_values(values, client=client)
        record_fields.check_builtins(
            record_type=RecordType.CONTACT, kind=None, given=values, values=cleaned, current=contact, user=user,
            owner=client.owner, fields=fields,
        )  # fmt: skip
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        errors.update(error.error_dict)
    custom: dict[str, Any] = {}
    try:
        custom = record_fields.clean_custom(
            record_type=RecordType.CONTACT, kind=None, values=custom_fields,
            current=contact.custom_fields if contact is not None else None, user=user, owner=client.owner,
            country=client.billing_country or client.country, record_id=contact.pk if contact else None,
            fields=fields,
        )  # fmt: skip
    except ValidationError as error:
        errors.update(error.error_dict if hasattr(error, "error_dict") else {"custom_fields": error.error_list})
    if errors:
        raise ValidationError(errors)
    return cleaned, custom


@transaction.atomic
def contact_create(
    *, client: Client, user: User, values: Mapping[str, Any], custom_fields: Mapping[str, Any] | None = None
) -> Contact:
    """Add a contact person to a client; ``custom_fields`` by original name."""
    require_action(user, Action.EDIT)
    _ensure_editable(client, user)
    fields = record_fields.definitions(RecordType.CONTACT)
    values, custom = _checked_contact_values(
        values, custom_fields, client=client, user=user, contact=None, fields=fields
    )
    if "last_name" not in values:
        raise ValidationError({"last_name": _("Enter the contact's last name.")})
    contact = Contact(client=client, **values, custom_fields=custom)
    contact._history_user = user  # type: ignore[attr-defined]
    _make_primary(contact)
    with record_fields.guard(RecordType.CONTACT, custom, fields):
        _save(contact, user=user, reason=ChangeReason.CREATED)
    _refresh_search_text(client)
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, user: User, values: Mapping[str, Any], custom_fields: Mapping[str, Any] | None = None
) -> Contact:
    """Change a contact person; ``custom_fields`` holds the custom values to change."""
    _ensure_contact_editable(contact, user)
    fields = record_fields.definitions(RecordType.CONTACT)
    cleaned, custom = _checked_contact_values(
        values, custom_fields, client=contact.client, user=user, contact=contact, fields=fields
    )
    for field, value in cleaned.items():
        setattr(contact, field, value)
    contact.custom_fields = custom
    contact._history_user = user  # type: ignore[attr-defined]
    _make_primary(contact)
    with record_fields.guard(RecordType.CONTACT, custom, fields):
        _save(contact, user=user, reason=ChangeReason.CHANGED)
    _refresh_search_text(contact.client)
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact, user: User) -> None:
    """Remove a contact person from their client."""
    client = contact.client
    _ensure_contact_editable(contact, user)
    contact._history_user = user  # type: ignore[attr-defined]
    contact.delete()
    _refresh_search_text(client)
