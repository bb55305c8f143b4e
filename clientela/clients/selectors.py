"""Every read of clients, groups and contacts that a view, the API or an export makes."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from clientela.accounts.models import Action, User
from clientela.clients import custom_list
from clientela.clients.models import ChangeReason, Client, ClientGroup, ClientQuerySet, ClientStatus, Contact
from clientela.clients.search import apply_search
from clientela.core.errors import PermissionDenied, RecordLocked
from clientela.core.pagination import capped_count

# The sorts a client list offers: key -> ordering (each ends in the unique id, for keyset pages).
CLIENT_SORTS: dict[str, tuple[Any, list[str]]] = {
    "name": (_("Name (A–Z)"), ["name", "id"]),
    "-name": (_("Name (Z–A)"), ["-name", "-id"]),
    "-created_at": (_("Newest first"), ["-created_at", "-id"]),
    "created_at": (_("Oldest first"), ["created_at", "id"]),
    "country": (_("Country"), ["country", "name", "id"]),
}
DEFAULT_CLIENT_SORT = "name"


class StatusFilter:
    ACTIVE = "active"
    INVALID = "invalid"
    ALL = "all"
    VALUES = (ACTIVE, INVALID, ALL)


@dataclass
class ClientFilters:
    search: str = ""
    status: str = StatusFilter.ACTIVE
    kind: str = ""
    country: str = ""
    group: int | None = None
    owner: int | None = None
    sort: str = DEFAULT_CLIENT_SORT
    extra: dict[str, Any] = field(default_factory=dict)
    # Custom fields (clientela.clients.custom_list): filters, and the field a "cf_<name>" sort is by.
    custom: list[Any] = field(default_factory=list)
    custom_sort: Any = None


def client_list(*, user: User, filters: ClientFilters) -> ClientQuerySet:
    """The clients a user may see, narrowed by the filters, in the chosen order."""
    clients = Client.objects.visible_to(user)
    if filters.status == StatusFilter.ACTIVE:
        clients = clients.filter(status=ClientStatus.ACTIVE)
    elif filters.status == StatusFilter.INVALID:
        clients = clients.filter(status=ClientStatus.INVALID)
    else:  # "all" is active and invalid: merged clients live on in their survivor and are never listed
        clients = clients.exclude(status=ClientStatus.MERGED)
    if filters.kind:
        clients = clients.filter(kind=filters.kind)
    if filters.country:
        clients = clients.filter(country=filters.country.upper())
    if filters.group:
        clients = clients.filter(groups__id=filters.group)
    if filters.owner:
        clients = clients.filter(owner_id=filters.owner)
    clients = apply_search(clients, filters.search)
    if filters.custom:
        clients = custom_list.apply_filters(clients, filters.custom)
    if filters.custom_sort is not None:
        clients = custom_list.apply_sort(clients, filters.custom_sort)
    return clients.select_related("owner").order_by(*client_ordering(filters.sort))


def client_count(*, user: User, filters: ClientFilters, clients: ClientQuerySet) -> tuple[int, bool]:
    """How many of ``clients`` (``client_list``'s result for these filters) the list shows, capped.

    SQLite answers the count of a plain list (no search, no filter) by walking the status index and
    testing every entry against the OR-ed visibility (some 60,000 entries for a salesperson's
    10,001 clients at a million), so it counts the team's own clients and the shared ones apart,
    each through its index. A filter or a search has a narrower index of its own, and PostgreSQL
    plans the whole better than the parts: one count (docs/performance.md, finding 22).
    """
    cap = settings.CLIENTELA_COUNT_CAP
    plain = filters == ClientFilters(status=filters.status, sort=filters.sort)
    if connection.vendor == "sqlite" and plain:
        return capped_count(clients, cap, parts=clients.reach_parts(user))
    return capped_count(clients, cap)


def attach_group_names(clients: Sequence[Client]) -> None:
    """Set ``group_names`` on each of ``clients`` (a list page's rows): their groups' names, by name.

    One query of (client, name) pairs. A prefetch of ``groups`` would build a group object and a
    related manager per row, which a list that only shows the names does not need.
    """
    names: dict[int, list[str]] = {client.pk: [] for client in clients}
    memberships = Client.groups.through.objects.filter(client_id__in=names).order_by(
        "clientgroup__name", "clientgroup_id"
    )
    for client_id, name in memberships.values_list("client_id", "clientgroup__name"):
        names[client_id].append(name)
    for client in clients:
        client.group_names = names[client.pk]


def client_ordering(sort: str) -> list[str]:
    if sort.lstrip("-").startswith(custom_list.PREFIX):
        return custom_list.ordering(sort)  # by the annotation client_list adds for a custom sort
    return CLIENT_SORTS.get(sort, CLIENT_SORTS[DEFAULT_CLIENT_SORT])[1]


def client_detail_queryset(*, user: User) -> QuerySet[Client]:
    return (
        Client.objects.visible_to(user)
        .select_related("owner", "created_by", "updated_by")
        .prefetch_related(
            "groups", Prefetch("contacts", queryset=Contact.objects.order_by("-is_primary", "last_name", "id"))
        )
    )


def get_client_for_user(*, user: User, pk: int, write: bool = False) -> Client:
    """A client the user may see (or change, with ``write``), else 404: others' clients do not exist for them."""
    client = client_detail_queryset(user=user).select_related("locked_by").filter(pk=pk).first()
    if client is None:
        raise Http404(_("No such client."))
    if write and client.is_locked_for(user):
        # Visible but locked by someone else: say so (HTTP 423), rather than pretend it is not there.
        raise RecordLocked(client.locked_message())
    if write and not user.is_admin and not Client.objects.editable_by(user).filter(pk=pk).exists():
        # Visible (e.g. shared to read) but not theirs to change: 403, not 404.
        raise PermissionDenied(str(_("You may see this client but not change it.")))
    return client


def client_is_editable(*, user: User, client: Client) -> bool:
    """Whether the user may change this client (role, hierarchy, shares, locks); free for its owner."""
    if not user.can(Action.EDIT) or client.is_locked_for(user):
        return False
    if user.is_admin or client.owner_id == user.pk:
        return True
    return Client.objects.editable_by(user).filter(pk=client.pk).exists()


def client_stamp(*, user: User, pk: int) -> Client:
    """A visible client with who changed it last, and nothing else: cheap enough to ask for often."""
    client = Client.objects.visible_to(user).select_related("updated_by").filter(pk=pk).first()
    if client is None:
        raise Http404(_("No such client."))
    return client


def client_history(*, client: Client, limit: int | None = None) -> list[dict[str, Any]]:
    """The client's changes, newest first: who, when, why, and each changed field's old and new value."""
    entries = list(client.history_entries.select_related("history_user").order_by("-history_date", "-history_id"))
    memberships: dict[int, set[int]] = {entry.history_id: set() for entry in entries}
    for history_id, group_id in HistoricalClientGroups.objects.filter(history__in=memberships).values_list(
        "history_id", "clientgroup_id"
    ):
        memberships[history_id].add(group_id)
    group_names = dict(ClientGroup.objects.filter(id__in=set().union(*memberships.values())).values_list("id", "name"))
    labels = {f.name: f.verbose_name for f in Client._meta.get_fields() if hasattr(f, "verbose_name")}
    custom_labels = _CustomLabels()
    result = []
    for index, entry in enumerate(entries):
        previous = entries[index + 1] if index + 1 < len(entries) else None
        changes = []
        if previous is not None:
            delta = entry.diff_against(previous, excluded_fields=[*_NOT_SHOWN, "groups"])
            for change in delta.changes:
                if change.field == "custom_fields":
                    changes.extend(_custom_changes(change.old, change.new, custom_labels))
                    continue
                changes.append(
                    {
                        "field": change.field,
                        "label": labels.get(change.field, change.field),
                        "old": change.old,
                        "new": change.new,
                    }
                )
            if memberships[entry.history_id] != memberships[previous.history_id]:
                changes.append(
                    {
                        "field": "groups",
                        "label": labels["groups"],
                        "old": _group_names(memberships[previous.history_id], group_names),
                        "new": _group_names(memberships[entry.history_id], group_names),
                    }
                )
        result.append(
            {
                "id": entry.history_id,
                "date": entry.history_date,
                "user": entry.history_user,
                "type": entry.history_type,
                "reason": ChangeReason.label(entry.history_change_reason),
                "reason_code": entry.history_change_reason or "",
                "version": entry.version,
                "changes": changes,
            }
        )
        if limit is not None and len(result) >= limit:
            break
    return result


_NOT_SHOWN = ["version", "updated_by", "created_by", "created_at", "locked_at"]


class _CustomLabels:
    """The custom fields' labels, read once and only when a change of custom values is in the log."""

    def __init__(self) -> None:
        self._labels: dict[str, str] | None = None

    def get(self, name: str) -> str:
        if self._labels is None:
            from clientela.clients.field_selectors import field_definitions

            definitions = field_definitions(record_type="client", enabled_only=False)
            self._labels = {d.name: d.label for d in definitions if not d.is_builtin}
        return self._labels.get(name, name)


def _custom_changes(old: Any, new: Any, labels: _CustomLabels) -> list[dict[str, Any]]:
    """One change per custom field whose value differs (``field`` is ``custom_fields.<name>``, values raw)."""
    old, new = old or {}, new or {}
    return [
        {"field": f"custom_fields.{name}", "label": labels.get(name), "old": old.get(name), "new": new.get(name)}
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]


HistoricalClientGroups = apps.get_model("clients", "HistoricalClient_groups")


def _group_names(ids: set[int], names: dict[int, str]) -> str:
    return ", ".join(sorted(names.get(pk, str(_("(deleted group)"))) for pk in ids))


def group_list(*, user: User, search: str = "") -> QuerySet[ClientGroup]:
    """Groups with the number of clients in each that the user can see."""
    groups = ClientGroup.objects.all()
    if search:
        groups = groups.filter(Q(name__icontains=search) | Q(description__icontains=search))
    visible = Client.objects.visible_to(user).filter(status=ClientStatus.ACTIVE).values("id")
    return groups.annotate(client_count=Count("clients", filter=Q(clients__in=visible))).order_by("name", "id")


def get_group(*, pk: int) -> ClientGroup:
    group = ClientGroup.objects.filter(pk=pk).first()
    if group is None:
        raise Http404(_("No such group."))
    return group


def contact_list(*, user: User, search: str = "", client: Client | None = None) -> QuerySet[Contact]:
    """Contacts of clients the user may see."""
    contacts = Contact.objects.visible_to(user).select_related("client")
    if client is not None:
        contacts = contacts.filter(client=client)
    for term in search.split():  # as typed: names are stored with their accents
        contacts = contacts.filter(
            Q(first_name__icontains=term)
            | Q(last_name__icontains=term)
            | Q(email__icontains=term)
            | Q(phone__contains=term)
        )
    return contacts.order_by("last_name", "first_name", "id")


def get_contact_for_user(*, user: User, pk: int, write: bool = False) -> Contact:
    contact = Contact.objects.visible_to(user).select_related("client__locked_by").filter(pk=pk).first()
    if contact is None:
        raise Http404(_("No such contact."))
    if write and contact.client.is_locked_for(user):
        raise RecordLocked(contact.client.locked_message())
    return contact


def group_choices() -> QuerySet[ClientGroup]:
    """Every group, by name, for pickers and filters (no counts: cheap at any number of clients)."""
    return ClientGroup.objects.order_by("name", "id")


def group_member_count(*, group: ClientGroup) -> int:
    """How many clients (of anyone, invalid ones too) are in a group: what deleting it affects."""
    return Client.groups.through.objects.filter(clientgroup=group).count()
