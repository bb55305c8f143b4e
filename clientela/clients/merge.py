"""Merging clients into one survivor, and undoing a merge.

What happens to each record type that points at a client is declared in ``MERGE_RELATIONS`` (one
line per foreign key, one-to-one or many-to-many to Client, keyed ``app_label.Model.field``) and
``GENERIC_RELATIONS`` (record types that point at any record through a content type and an id).
A relation that is not declared stops every merge (``client_merge`` raises), and a test fails for
it, so a record type added later cannot be forgotten: its author decides whether its rows move.

Strategies:
    move      the rows point at the survivor afterwards (undo points them back)
    union     many-to-many rows: the survivor gets the merged clients' memberships, a membership it
              already has is not repeated (undo restores both sides)
    contacts  move, and the survivor keeps one primary contact (its own, if it has one)
    groups    the survivor's groups become the union of all; written into its one history entry
    keep      the rows stay with the merged client (history rows are their record's own past; merge
              records name the clients they merged)

The merged clients are not deleted: they get the status "merged" and ``merged_into`` the survivor,
so their pages redirect there and their history stays readable. One ``ClientMerge`` row records
what changed (the survivor's previous values and groups, every moved row), which undo restores.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.accounts.models import Action, Share, ShareAccess, User
from clientela.accounts.permissions import require_action
from clientela.clients.models import (
    ADDRESS_PARTS,
    ChangeReason,
    Client,
    ClientGroup,
    ClientMerge,
    ClientStatus,
    Contact,
)
from clientela.clients.services import (
    CLIENT_FIELDS,
    _check_owner,
    _client_search_text,
    _client_values,
    _save,
    _save_client,
)
from clientela.core.errors import ConcurrencyError, DomainError, PermissionDenied, RecordLocked

MOVE, UNION, CONTACTS, GROUPS, KEEP = "move", "union", "contacts", "groups", "keep"

# Every relation to Client, with its strategy and why. See the module's docstring.
MERGE_RELATIONS: dict[str, tuple[str, str]] = {
    "clients.Contact.client": (CONTACTS, "contact people work for the survivor now"),
    "clients.Client_groups.client": (GROUPS, "group memberships: the union, in the survivor's history entry"),
    "clients.Client.merged_into": (MOVE, "clients merged earlier into a merged client redirect to the survivor"),
    "clients.HistoricalClient.history_relation": (KEEP, "a client's history is its own past"),
    "clients.HistoricalClient.merged_into": (KEEP, "a client's history is its own past"),
    "clients.HistoricalClient_groups.client": (KEEP, "a client's history is its own past"),
    "clients.HistoricalContact.client": (KEEP, "a contact's history records the client it had then"),
    "clients.ClientMerge.survivor": (KEEP, "earlier merges stay recorded against their survivor"),
    "clients.ClientMerge_merged.client": (KEEP, "earlier merges stay recorded against their clients"),
    "exchange.ImportRow.client": (KEEP, "an import's row records the client it wrote (its revert then keeps it)"),
}

# Record types that point at records of any type by content type and id.
GENERIC_RELATIONS: dict[str, tuple[str, str]] = {
    "accounts.Share": (MOVE, "shares move; where the survivor has one for the same user or team, the stronger stays"),
    "admin.LogEntry": (KEEP, "the admin site's log of what was done to which record"),
    "auth.Permission": (KEEP, "permissions name record types, not records"),
}


def client_relations() -> dict[str, tuple[type[models.Model], models.Field]]:
    """Every foreign key and one-to-one field to Client in the project, by ``app_label.Model.field``.

    Many-to-many fields are found through their intermediate models, whose foreign keys point here.
    """
    found: dict[str, tuple[type[models.Model], models.Field]] = {}
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields(include_hidden=True):
            if (
                model_field.concrete
                and model_field.is_relation
                and not model_field.many_to_many
                and model_field.related_model is Client
            ):
                found[f"{model._meta.label}.{model_field.name}"] = (model, model_field)  # type: ignore[assignment]
    return found


def generic_relation_models() -> dict[str, type[models.Model]]:
    """Every model with a foreign key to ContentType: those can point at a client without a foreign key."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        for model_field in model._meta.get_fields(include_hidden=True):
            if model_field.concrete and model_field.is_relation and model_field.related_model is ContentType:
                found[model._meta.label] = model
    return found


def undeclared_relations() -> list[str]:
    """Relations to Client that neither ``MERGE_RELATIONS`` nor ``GENERIC_RELATIONS`` says how to merge."""
    missing = [key for key in client_relations() if key not in MERGE_RELATIONS]
    missing += [label for label in generic_relation_models() if label not in GENERIC_RELATIONS]
    return sorted(missing)


# Fields ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeField:
    """A value the user picks from one of the merged clients: one model field, or several together."""

    key: str
    label: Any
    attributes: tuple[str, ...]
    # Custom fields (and anything not stored as plain attributes) read and write their value here.
    read: Callable[[Client], Any] | None = None
    write: Callable[[Client, Any], None] | None = None

    def value(self, client: Client) -> Any:
        if self.read is not None:
            return self.read(client)
        if self.key == "owner":
            return client.owner_id
        return {attribute: getattr(client, attribute) for attribute in self.attributes}

    def is_empty(self, client: Client) -> bool:
        value = self.value(client)
        if self.key == "shipping_address":
            # "Same as billing" is no address of its own: another client's may be the better pick.
            return bool(client.shipping_same_as_billing)
        if isinstance(value, dict):
            return not any(value.values())
        return value in (None, "", [], {})


def _single(name: str) -> MergeField:
    return MergeField(name, Client._meta.get_field(name).verbose_name, (name,))  # type: ignore[union-attr]


BUILTIN_MERGE_FIELDS: tuple[MergeField, ...] = (
    *(_single(name) for name in ("kind", "name", "tax_id", "registration_id", "vat_id", "email", "phone", "website")),
    MergeField("billing_address", gettext_lazy("billing address"), tuple(f"billing_{p}" for p in ADDRESS_PARTS)),
    MergeField(
        "shipping_address",
        gettext_lazy("shipping address"),
        ("shipping_same_as_billing", *(f"shipping_{p}" for p in ADDRESS_PARTS)),
    ),
    *(_single(name) for name in ("country", "currency", "language")),
    MergeField("owner", Client._meta.get_field("owner").verbose_name, ("owner",)),  # type: ignore[union-attr]
)

# Hook for fields defined at run time (custom fields): each provider returns more MergeFields,
# which appear on the merge screen and in the API after the built-in ones.
MERGE_FIELD_PROVIDERS: list[Callable[[], Iterable[MergeField]]] = []


def merge_fields() -> list[MergeField]:
    """The values a merge chooses, in the order the merge screen shows them."""
    fields = list(BUILTIN_MERGE_FIELDS)
    for provider in MERGE_FIELD_PROVIDERS:
        fields.extend(provider())
    return fields


def default_choices(*, survivor: Client, others: Sequence[Client]) -> dict[str, int]:
    """Per field, whose value survives by default: the survivor's, unless it is empty and another's is not."""
    choices = {}
    for merge_field in merge_fields():
        chosen = survivor
        if merge_field.is_empty(survivor):
            chosen = next((other for other in others if not merge_field.is_empty(other)), survivor)
        choices[merge_field.key] = chosen.pk
    return choices


# Merge -------------------------------------------------------------------------------------------


@dataclass
class _Log:
    """What a merge changed, kept in ``ClientMerge.details`` for undo."""

    rows: dict[str, dict[str, list[Any]]] = field(default_factory=dict)  # relation -> other id -> pks
    union_dropped: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # relation -> rows deleted
    contacts: list[dict[str, Any]] = field(default_factory=list)
    shares_moved: list[dict[str, int]] = field(default_factory=list)
    shares_upgraded: list[dict[str, Any]] = field(default_factory=list)
    shares_dropped: list[dict[str, Any]] = field(default_factory=list)


def _editable_or_refuse(clients: Sequence[Client], user: User) -> None:
    editable = set(Client.objects.editable_by(user).filter(pk__in=[c.pk for c in clients]).values_list("pk", flat=True))
    for client in clients:
        if client.pk in editable:
            continue
        if client.is_locked_for(user):
            raise RecordLocked(client.locked_message())
        raise PermissionDenied(_("You may not change %(name)s.") % {"name": client})


def _lock_rows(user: User, survivor: Client, others: Sequence[Client]) -> tuple[Client, list[Client]]:
    """The clients read again under a row lock (in id order, so two merges cannot deadlock)."""
    wanted = [survivor.pk, *(other.pk for other in others)]
    if len(set(wanted)) != len(wanted):
        raise ValidationError({"others": _("Each client can be merged only once, and not into itself.")})
    if not others:
        raise ValidationError({"others": _("Choose at least one client to merge into this one.")})
    rows = {client.pk: client for client in Client.objects.select_for_update().filter(pk__in=wanted).order_by("pk")}
    visible = set(Client.objects.visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))
    if set(wanted) - visible:
        raise PermissionDenied(_("Some of these clients are not visible to you."))
    locked = [rows[pk] for pk in wanted]
    for client in locked:
        if client.is_merged:
            raise DomainError(
                _("%(name)s was already merged into another client.") % {"name": client.name}, code="merged"
            )
    _editable_or_refuse(locked, user)
    return locked[0], locked[1:]


def _survivor_values(
    *, survivor: Client, others: Sequence[Client], values: Mapping[str, Any]
) -> tuple[dict[str, Any], list[tuple[MergeField, Client]]]:
    """The survivor's new field values from the chosen clients, and the custom fields to write."""
    fields = {merge_field.key: merge_field for merge_field in merge_fields()}
    unknown = set(values) - set(fields)
    if unknown:
        raise ValidationError({"values": _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}})
    by_pk = {client.pk: client for client in (survivor, *others)}
    choices = default_choices(survivor=survivor, others=others)
    for key, chosen in values.items():
        try:
            chosen_pk = int(chosen)
        except (TypeError, ValueError):
            chosen_pk = -1
        if chosen_pk not in by_pk:
            raise ValidationError({"values": _("%(field)s: choose one of the clients being merged.") % {"field": key}})
        choices[key] = chosen_pk
    new_values: dict[str, Any] = {}
    custom: list[tuple[MergeField, Client]] = []
    for key, chosen_pk in choices.items():
        merge_field, source = fields[key], by_pk[chosen_pk]
        if merge_field.write is not None:
            custom.append((merge_field, source))
        elif key == "owner":
            new_values["owner"] = source.owner
        else:
            new_values.update({attribute: getattr(source, attribute) for attribute in merge_field.attributes})
    return new_values, custom


def _move_rows(
    key: str, model: type[models.Model], fk: models.Field, survivor: Client, other: Client, log: _Log
) -> None:
    rows = model._base_manager.filter(**{fk.name: other})
    pks = list(rows.values_list("pk", flat=True))
    if not pks:
        return
    if fk.unique and model._base_manager.filter(**{fk.name: survivor}).exists():
        raise DomainError(
            _("%(survivor)s and %(other)s both have one of these: %(record)s; only one can stay.")
            % {"survivor": survivor, "other": other, "record": model._meta.verbose_name},
            code="conflict",
        )
    model._base_manager.filter(pk__in=pks).update(**{fk.name: survivor})
    log.rows.setdefault(key, {})[str(other.pk)] = pks


def _union_rows(
    key: str, model: type[models.Model], fk: models.Field, survivor: Client, other: Client, log: _Log
) -> None:
    # The intermediate model of a many-to-many: the other side is its one other foreign key.
    partner = next(
        f for f in model._meta.concrete_fields if f.is_relation and f is not fk and f.related_model is not None
    )
    held = set(model._base_manager.filter(**{fk.name: survivor}).values_list(partner.attname, flat=True))
    moved = []
    for row in model._base_manager.filter(**{fk.name: other}).order_by("pk"):
        if getattr(row, partner.attname) in held:
            log.union_dropped.setdefault(key, []).append(
                {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields}
            )
            row.delete()
        else:
            held.add(getattr(row, partner.attname))
            moved.append(row.pk)
    if moved:
        model._base_manager.filter(pk__in=moved).update(**{fk.name: survivor})
        log.rows.setdefault(key, {})[str(other.pk)] = moved


def _move_contacts(user: User, survivor: Client, others: Sequence[Client], log: _Log, merge_pk: int) -> None:
    has_primary = Contact.objects.filter(client=survivor, is_primary=True).exists()
    for other in others:
        for contact in Contact.objects.select_for_update().filter(client=other).order_by("-is_primary", "pk"):
            log.contacts.append({"id": contact.pk, "client": other.pk, "is_primary": contact.is_primary})
            if contact.is_primary and has_primary:
                contact.is_primary = False  # the survivor's primary contact stays the one
            has_primary = has_primary or contact.is_primary
            contact.client = survivor
            _save(contact, user=user, reason=f"{ChangeReason.MOVED_BY_MERGE}:{merge_pk}")


def _share_key(share: Share) -> tuple[str, int | None]:
    return ("user", share.user_id) if share.user_id else ("team", share.team_id)


def _share_row(share: Share) -> dict[str, Any]:
    row = {f.attname: getattr(share, f.attname) for f in Share._meta.concrete_fields}
    row["created_at"] = share.created_at.isoformat()
    row["updated_at"] = share.updated_at.isoformat()
    return row


def _move_shares(survivor: Client, others: Sequence[Client], log: _Log) -> None:
    content_type = ContentType.objects.get_for_model(Client)
    shares = Share.objects.select_for_update().filter(content_type=content_type)
    held = {_share_key(share): share for share in shares.filter(object_id=survivor.pk)}
    for other in others:
        for share in shares.filter(object_id=other.pk).order_by("pk"):
            existing = held.get(_share_key(share))
            if existing is None:
                log.shares_moved.append({"id": share.pk, "client": other.pk})
                Share.objects.filter(pk=share.pk).update(object_id=survivor.pk)
                share.object_id = survivor.pk
                held[_share_key(share)] = share
                continue
            # The same user or team had a share on both: one stays, with the stronger access.
            if share.access == ShareAccess.EDIT and existing.access != ShareAccess.EDIT:
                log.shares_upgraded.append({"id": existing.pk, "access": existing.access})
                Share.objects.filter(pk=existing.pk).update(access=ShareAccess.EDIT)
                existing.access = ShareAccess.EDIT
            log.shares_dropped.append(_share_row(share))
            share.delete()


def _check_versions(clients: Sequence[Client], versions: Mapping[Any, Any] | None) -> None:
    if not versions:
        return
    for client in clients:
        seen = versions.get(client.pk, versions.get(str(client.pk)))
        if seen is not None and int(seen) != client.version:
            raise ConcurrencyError(
                _("%(name)s changed since you opened the merge. Reload and check your choices again.")
                % {"name": client.name}
            )


def _ensure_declared() -> None:
    missing = undeclared_relations()
    if missing:
        raise ImproperlyConfigured(
            "These relations to Client have no merge strategy in clientela.clients.merge: " + ", ".join(missing)
        )


@transaction.atomic
def client_merge(
    *,
    user: User,
    survivor: Client,
    others: Sequence[Client],
    values: Mapping[str, Any] | None = None,
    versions: Mapping[Any, Any] | None = None,
) -> ClientMerge:
    """Merge ``others`` into ``survivor``: chosen values, every link moved, one undoable record.

    ``values`` maps a merge field's key (``merge_fields()``) to the id of the client whose value
    survives; a field left out keeps the survivor's value, or the first other client's where the
    survivor's is empty. ``versions`` (client id -> version read) refuses a merge of stale data.
    """
    _ensure_declared()
    require_action(user, Action.MERGE)
    survivor, others = _lock_rows(user, survivor, others)
    _check_versions([survivor, *others], versions)
    new_values, custom = _survivor_values(survivor=survivor, others=others, values=values or {})
    owner = new_values.pop("owner")

    before = {name: getattr(survivor, name) for name in CLIENT_FIELDS}
    survivor_groups = set(survivor.groups.values_list("pk", flat=True))
    other_groups = {other.pk: sorted(other.groups.values_list("pk", flat=True)) for other in others}
    details: dict[str, Any] = {
        # Custom field values too: providers in MERGE_FIELD_PROVIDERS write them on the survivor.
        "before": {
            **before,
            "owner": survivor.owner_id,
            "status": survivor.status,
            "custom_fields": dict(survivor.custom_fields),
        },
        "groups": sorted(survivor_groups),
        "merged_names": [other.name for other in others],
        "others": {str(other.pk): {"status": other.status, "groups": other_groups[other.pk]} for other in others},
    }
    merge = ClientMerge.objects.create(survivor=survivor, created_by=user, details=details)
    merge.merged.set(others)

    # The survivor's values first: a chosen value that fails today's checks stops everything here.
    cleaned = _client_values(new_values, current=survivor)
    if owner.pk != survivor.owner_id:
        _check_owner(user=user, owner=owner)

    log = _Log()
    relations = client_relations()
    for key, (strategy, _why) in MERGE_RELATIONS.items():
        if key not in relations or strategy in (KEEP, GROUPS, CONTACTS):
            continue
        model, fk = relations[key]
        for other in others:
            (_move_rows if strategy == MOVE else _union_rows)(key, model, fk, survivor, other, log)
    _move_contacts(user, survivor, others, log, merge.pk)
    _move_shares(survivor, others, log)

    for name, value in cleaned.items():
        setattr(survivor, name, value)
    for merge_field, source in custom:
        assert merge_field.write is not None
        merge_field.write(survivor, merge_field.value(source))
    survivor.owner = owner
    survivor.version += 1
    survivor.updated_by = user
    survivor.search_text = _client_search_text(survivor)
    reason = f"{ChangeReason.MERGED}:{merge.pk}"
    groups = ClientGroup.objects.filter(pk__in=survivor_groups.union(*other_groups.values()))
    _save_client(survivor, user=user, reason=reason, groups=list(groups))

    versions_after = {}
    for other in others:
        other.status = ClientStatus.MERGED
        other.merged_into = survivor
        other.version += 1
        other.updated_by = user
        other.search_text = _client_search_text(other)
        _save_client(other, user=user, reason=f"{ChangeReason.MERGED_INTO}:{merge.pk}", groups=[])
        versions_after[str(other.pk)] = other.version

    merge.survivor_version = survivor.version
    merge.details = {
        **details,
        "versions": versions_after,
        "rows": log.rows,
        "union_dropped": log.union_dropped,
        "contacts": log.contacts,
        "shares_moved": log.shares_moved,
        "shares_upgraded": log.shares_upgraded,
        "shares_dropped": log.shares_dropped,
    }
    merge.save(update_fields=["survivor_version", "details", "updated_at"])
    return merge


# Undo --------------------------------------------------------------------------------------------


def merge_undo_refusal(merge: ClientMerge, *, survivor: Client | None = None) -> str | None:
    """Why a merge can no longer be undone, or None when it can."""
    if merge.is_undone:
        return _("This merge was already undone.")
    survivor = survivor or merge.survivor
    if survivor.version != merge.survivor_version or survivor.is_merged:
        return _(
            "%(name)s changed after the merge, so the merge can no longer be undone exactly. "
            "Restore an earlier version from its history, or change the clients by hand."
        ) % {"name": survivor.name}
    return None


@transaction.atomic
def client_merge_undo(*, user: User, merge: ClientMerge) -> Client:
    """Undo a merge: the survivor's values and groups, the moved rows and the merged clients come back."""
    require_action(user, Action.MERGE)
    merge = ClientMerge.objects.select_for_update().get(pk=merge.pk)
    details = merge.details
    other_ids = sorted(int(pk) for pk in details["others"])
    rows = {c.pk: c for c in Client.objects.select_for_update().filter(pk__in=[merge.survivor_id, *other_ids])}
    survivor = rows[merge.survivor_id]
    others = [rows[pk] for pk in other_ids]
    visible = set(Client.objects.visible_to(user).filter(pk__in=rows).values_list("pk", flat=True))
    if set(rows) - visible:
        raise PermissionDenied(_("Some of these clients are not visible to you."))
    _editable_or_refuse([survivor, *others], user)
    refusal = merge_undo_refusal(merge, survivor=survivor)
    if refusal is None and any(
        other.merged_into_id != survivor.pk or other.version != details["versions"][str(other.pk)] for other in others
    ):
        refusal = _("A merged client changed after the merge, so the merge can no longer be undone exactly.")
    if refusal is not None:
        raise DomainError(refusal, code="not_undoable")

    # Shares first (their access, then where they point, then the ones the merge folded away).
    for upgraded in reversed(details["shares_upgraded"]):
        Share.objects.filter(pk=upgraded["id"]).update(access=upgraded["access"])
    for moved in details["shares_moved"]:
        Share.objects.filter(pk=moved["id"], object_id=survivor.pk).update(object_id=moved["client"])
    for dropped in details["shares_dropped"]:
        stamps = {"created_at": dropped.pop("created_at"), "updated_at": dropped.pop("updated_at")}
        Share.objects.create(**dropped)
        Share.objects.filter(pk=dropped["id"]).update(**stamps)

    # Contacts back to their clients, primary flags as they were (cleared first: one primary each).
    contacts = {
        c.pk: c for c in Contact.objects.select_for_update().filter(pk__in=[r["id"] for r in details["contacts"]])
    }
    moved_back = [r for r in details["contacts"] if r["id"] in contacts and contacts[r["id"]].client_id == survivor.pk]
    Contact.objects.filter(pk__in=[r["id"] for r in moved_back], is_primary=True).update(is_primary=False)
    for record in moved_back:
        contact = contacts[record["id"]]
        contact.client_id, contact.is_primary = record["client"], record["is_primary"]
        _save(contact, user=user, reason=f"{ChangeReason.MERGE_UNDONE}:{merge.pk}")

    relations = client_relations()
    for key, per_other in details["rows"].items():
        if key not in relations:
            continue  # the record type was removed since; nothing of it is left to move back
        model, fk = relations[key]
        for other_pk, pks in per_other.items():
            model._base_manager.filter(pk__in=pks, **{fk.attname: survivor.pk}).update(**{fk.attname: int(other_pk)})
    for key, dropped_rows in details["union_dropped"].items():
        if key in relations:
            model = relations[key][0]
            model._base_manager.bulk_create([model(**row) for row in dropped_rows])

    for other in others:
        state = details["others"][str(other.pk)]
        other.status = state["status"]
        other.merged_into = None
        other.version += 1
        other.updated_by = user
        other.search_text = _client_search_text(other)
        groups = list(ClientGroup.objects.filter(pk__in=state["groups"]))
        _save_client(other, user=user, reason=f"{ChangeReason.MERGE_UNDONE}:{merge.pk}", groups=groups)

    before = details["before"]
    for name in CLIENT_FIELDS:
        setattr(survivor, name, before[name])
    survivor.owner_id = before["owner"]
    survivor.custom_fields = before.get("custom_fields", survivor.custom_fields)
    survivor.version += 1
    survivor.updated_by = user
    survivor.search_text = _client_search_text(survivor)
    groups = list(ClientGroup.objects.filter(pk__in=details["groups"]))
    _save_client(survivor, user=user, reason=f"{ChangeReason.MERGE_UNDONE}:{merge.pk}", groups=groups)

    merge.undone_at, merge.undone_by = timezone.now(), user
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    return survivor


# Reads -------------------------------------------------------------------------------------------


def merge_record_id(reason_code: str | None) -> int | None:
    """The ClientMerge id a history entry's stored reason names ("merged:12"), if it names one."""
    code, _sep, argument = (reason_code or "").partition(":")
    if code in (ChangeReason.MERGED, ChangeReason.MERGED_INTO, ChangeReason.MERGE_UNDONE) and argument.isdigit():
        return int(argument)
    return None


def attach_merges(history: list[dict[str, Any]], *, client: Client) -> list[dict[str, Any]]:
    """Put the merge record on the history entries a merge (or its undo) wrote, with whether undo is possible."""
    ids = {pk for entry in history if (pk := merge_record_id(entry.get("reason_code"))) is not None}
    merges = {
        merge.pk: merge
        for merge in ClientMerge.objects.filter(pk__in=ids).select_related("survivor").prefetch_related("merged")
    }
    for entry in history:
        merge = merges.get(merge_record_id(entry.get("reason_code")))  # type: ignore[arg-type]
        entry["merge"] = merge
        is_merge_entry = (entry.get("reason_code") or "").startswith(f"{ChangeReason.MERGED}:")
        entry["merge_undoable"] = bool(
            merge
            and is_merge_entry
            and merge.survivor_id == client.pk
            and merge_undo_refusal(merge, survivor=client) is None
        )
    return history


def merge_summary(*, survivor: Client, others: Sequence[Client]) -> dict[str, Any]:
    """What a merge would move: contacts, groups and shares of the other clients, and other linked records."""
    other_ids = [other.pk for other in others]
    content_type = ContentType.objects.get_for_model(Client)
    groups = set(ClientGroup.objects.filter(clients__in=other_ids).values_list("pk", flat=True))
    survivor_groups = set(survivor.groups.values_list("pk", flat=True))
    linked = []
    relations = client_relations()
    for key, (strategy, _why) in MERGE_RELATIONS.items():
        if strategy not in (MOVE, UNION) or key not in relations or key == "clients.Client.merged_into":
            continue
        model, fk = relations[key]
        count = model._base_manager.filter(**{f"{fk.name}__in": other_ids}).count()
        if count:
            linked.append((str(model._meta.verbose_name_plural), count))
    return {
        "contacts": Contact.objects.filter(client__in=other_ids).count(),
        "groups_added": len(groups - survivor_groups),
        "shares": Share.objects.filter(content_type=content_type, object_id__in=other_ids).count(),
        "linked": linked,
    }
