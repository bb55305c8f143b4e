"""The client, group and contact pages: fetch with a permission check, validate, call one service.

A page asked for by htmx for one of its parts (the list's results, the detail page's tabs) gets
just that part; the same URL without htmx renders the whole page, so every state has an address.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.accounts.models import User
from clientela.clients import selectors, services
from clientela.clients.custom_forms import chosen_columns
from clientela.clients.fields import RecordType
from clientela.clients.forms import BulkActionForm, ClientFilterForm, ClientForm, ContactForm, GroupForm, SearchForm
from clientela.clients.merge import attach_merges
from clientela.clients.models import Client, ClientGroup
from clientela.clients.record_fields import definitions, display_value, displayed_values, readable_custom_changes
from clientela.clients.views.duplicates import duplicate_warning
from clientela.core.errors import ConcurrencyError, DomainError
from clientela.core.http import AuthenticatedRequest
from clientela.core.http import render_page as _render
from clientela.core.http import wants_part as _wants_part
from clientela.core.pagination import InvalidCursor, KeysetPage, capped_count, keyset_page

CONTACT_ORDERING = ["last_name", "first_name", "id"]


# Helpers -----------------------------------------------------------------------------------------


def _page(
    request: AuthenticatedRequest, queryset: Any, ordering: list[str], *, count_cap: int | None = None
) -> KeysetPage:
    """The page of ``queryset`` the cursor in the query string names (the first on a bad cursor)."""
    size = settings.CLIENTELA_PAGE_SIZE
    try:
        return keyset_page(
            queryset,
            ordering=ordering,
            size=size,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            count_cap=count_cap,
        )
    except InvalidCursor:
        return keyset_page(queryset, ordering=ordering, size=size, count_cap=count_cap)


def _carried_count(request: AuthenticatedRequest) -> tuple[int, bool] | None:
    """The count the first page took, carried by the page links (``?counted=``): later pages do not count again.

    Honoured only with a cursor (a new search or filter has none, so it is counted afresh). The
    number is only shown, never used to select anything: a hand-edited one misleads only its editor.
    """
    raw = request.GET.get("counted", "")
    if not (request.GET.get("after") or request.GET.get("before")) or not raw:
        return None
    digits, more = (raw[:-1], True) if raw.endswith("+") else (raw, False)
    if not digits.isdigit() or int(digits) > settings.CLIENTELA_COUNT_CAP:
        return None
    return int(digits), more


def _add_service_error(form: Form, error: ValidationError) -> None:
    """Put a service's errors on the fields they name; the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Clients -----------------------------------------------------------------------------------------


@login_required
def client_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET or None, user=request.user)
    filters = form.filters()
    clients = selectors.client_list(user=request.user, filters=filters)
    carried = _carried_count(request)
    # A search's first page counts its matches as it sorts them; other pages count apart (or carry the count).
    cap = settings.CLIENTELA_COUNT_CAP if carried is None else None
    page = _page(request, clients, selectors.client_ordering(filters.sort), count_cap=cap)
    total, more = carried or page.counted or selectors.client_count(user=request.user, filters=filters, clients=clients)
    selectors.attach_group_names(page.items)
    # Optional columns of custom values, read from the rows already loaded (no query per row).
    columns = chosen_columns(form, request.session)
    for row in page.items:
        row.column_values = [display_value(d, row.custom_fields.get(d.name)) for d in columns]
    context = {
        "form": form,
        "page": page,
        "total": total,
        "more": more,
        "counted": f"{total}+" if more else str(total),
        "is_filtered": form.is_filtered(),
        "columns": columns,
    }
    if _wants_part(request, "client-results"):
        return _render(request, "clients/_client_results.html", context)
    owners = [(pk, label) for pk, label in form.fields["owner"].choices if pk != ""]  # type: ignore[attr-defined]
    context["bulk_form"] = BulkActionForm(user=request.user, owner_choices=owners)
    return _render(request, "clients/client_list.html", context)


def _client_page(
    request: AuthenticatedRequest, pk: int, tab: str, extra: Callable[[Client], dict[str, Any]] | None = None
) -> HttpResponse:
    """The client page with one tab open; ``extra`` adds what a tab kept in another module needs."""
    client = selectors.get_client_for_user(user=request.user, pk=pk)
    if client.is_merged and tab != "history":
        # The merged client lives on in the survivor; only its history stays readable here.
        messages.info(request, _("“%(name)s” was merged into this client.") % {"name": client.name})
        return redirect("clients:detail", pk=client.merged_into_id)
    context: dict[str, Any] = {
        "client": client,
        "tab": tab,
        "locked_for_me": client.is_locked_for(request.user),
        "can_edit": selectors.client_is_editable(user=request.user, client=client),
        "billing_address": client.address("billing"),
        "shipping_address": client.address("shipping"),
        # The side panel's custom values (the field settings are read only when there are some).
        "custom_values": displayed_values(client.custom_fields, definitions(RecordType.CLIENT), kind=client.kind)
        if client.custom_fields
        else [],
    }
    if tab == "overview":
        context["recent_changes"] = _readable_history(selectors.client_history(client=client, limit=3))
    elif tab == "history":
        context["history"] = attach_merges(_readable_history(selectors.client_history(client=client)), client=client)
    if extra is not None:
        context.update(extra(client))
    if _wants_part(request, "client-tabs"):
        return _render(request, "clients/_client_tabs.html", context)
    return _render(request, "clients/client_detail.html", context)


@login_required
def client_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _client_page(request, pk, "overview")


@login_required
def client_contacts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _client_page(request, pk, "contacts")


@login_required
def client_history(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _client_page(request, pk, "history")


def _readable_history(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Owner ids in the change log shown as people's names (one query for the whole log), custom values
    as readers see them (option labels, yes/no, local dates and numbers)."""
    readable_custom_changes(history)
    owner_ids = {
        value for entry in history for change in entry["changes"] if change["field"] == "owner"
        for value in (change["old"], change["new"]) if value
    }  # fmt: skip
    if owner_ids:
        # Past owners may since have left the user's team, so this is not a visibility-scoped read.
        names = {user.pk: str(user) for user in User.objects.filter(pk__in=owner_ids)}
        for entry in history:
            for change in entry["changes"]:
                if change["field"] == "owner":
                    change["old"] = names.get(change["old"], change["old"])
                    change["new"] = names.get(change["new"], change["new"])
    return history


@login_required
def client_changes(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Whether the client changed since the version the page shows (polled by the client page)."""
    client = selectors.client_stamp(user=request.user, pk=pk)
    try:
        seen = int(request.GET.get("version", ""))
    except ValueError:
        seen = client.version
    return _render(request, "clients/_change_notice.html", {"client": client, "changed": client.version > seen})


@login_required
def client_create(request: AuthenticatedRequest) -> HttpResponse:
    # The compact (mobile) form: asked for, or the quick path's default.
    compact = _wants_compact(request)
    form = ClientForm(request.POST or None, user=request.user, compact=compact)
    duplicates: list[Any] = []  # likely duplicates: shown, and nothing saved, until the user ticks "Save anyway"
    if request.method == "POST" and form.is_valid() and not (duplicates := duplicate_warning(request, form)):
        try:
            client = services.client_create(
                user=request.user,
                values=form.values(),
                owner=form.cleaned_data.get("owner") or request.user,
                groups=list(form.cleaned_data.get("groups", [])),
                custom_fields=form.custom_values(),
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Client “%(name)s” was created.") % {"name": client.name})
            return redirect("clients:detail", pk=client.pk)
    context = {"form": form, "client": None, "duplicates": duplicates, "compact": compact}
    return _render(request, "clients/client_form.html", context)


def _wants_compact(request: AuthenticatedRequest) -> bool:
    flags = (request.GET.get("compact"), request.GET.get("quick"))
    return any(flag not in (None, "", "0") for flag in flags)


@login_required
def client_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    compact = _wants_compact(request)
    form = ClientForm(request.POST or None, user=request.user, client=client, compact=compact)
    status = 200
    duplicates: list[Any] = []  # only likenesses the change brings: see duplicate_candidates
    if (
        request.method == "POST"
        and form.is_valid()
        and not (duplicates := duplicate_warning(request, form, client=client))
    ):
        try:
            client = services.client_update(
                client=client,
                user=request.user,
                version=form.cleaned_data["version"] or 0,
                values=form.values(),
                owner=form.cleaned_data.get("owner"),
                groups=list(form.cleaned_data["groups"]) if "groups" in form.cleaned_data else None,
                custom_fields=form.custom_values(),
            )
        except ConcurrencyError as error:
            # The user's input stays in the form, and so does the version they opened: saving again
            # is refused again until they reload, so nobody's change is lost without being seen.
            form.add_error(None, error.message)
            status = 409
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your changes to “%(name)s” were saved.") % {"name": client.name})
            return redirect("clients:detail", pk=client.pk)
    context = {"form": form, "client": client, "duplicates": duplicates, "compact": compact}
    return _render(request, "clients/client_form.html", context, status=status)


@login_required
@require_POST
def client_invalidate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    services.client_invalidate(client=client, user=request.user)
    messages.success(
        request,
        _("“%(name)s” is now invalid: it is kept, but left out of lists and search unless you show invalid clients.")
        % {"name": client.name},
    )
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_POST
def client_restore(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    services.client_restore(client=client, user=request.user)
    messages.success(request, _("“%(name)s” is active again.") % {"name": client.name})
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_POST
def client_lock(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk)
    services.client_lock(client=client, user=request.user)
    messages.success(
        request, _("“%(name)s” is locked: nobody else can change it until you unlock it.") % {"name": client.name}
    )
    return redirect("clients:detail", pk=client.pk)


@login_required
@require_POST
def client_unlock(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk)
    services.client_unlock(client=client, user=request.user)
    messages.success(request, _("“%(name)s” is unlocked.") % {"name": client.name})
    return redirect("clients:detail", pk=client.pk)


@login_required
def client_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    refusal = None
    if request.method == "POST":
        try:
            services.client_delete(client=client, user=request.user)
        except DomainError as error:
            refusal = error.message
        else:
            messages.success(request, _("“%(name)s” was deleted for good.") % {"name": client.name})
            return redirect("clients:list")
    return _render(
        request,
        "clients/client_confirm_delete.html",
        {"client": client, "refusal": refusal},
        status=409 if refusal else 200,
    )


@login_required
@require_POST
def client_restore_version(request: AuthenticatedRequest, pk: int, history_id: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = 0
    try:
        services.client_restore_version(client=client, user=request.user, history_id=history_id, version=version)
    except DomainError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        # An old version may no longer pass today's checks (an owner who left the team, say).
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The earlier version was restored. The restore is itself in the history."))
    return redirect("clients:history", pk=client.pk)


# Contacts ----------------------------------------------------------------------------------------


@login_required
def contact_list(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    contacts = selectors.contact_list(user=request.user, search=form.search())
    total, more = capped_count(contacts, settings.CLIENTELA_COUNT_CAP)
    page = _page(request, contacts, CONTACT_ORDERING)
    context = {"form": form, "page": page, "total": total, "more": more}
    if _wants_part(request, "contact-results"):
        return _render(request, "clients/_contact_results.html", context)
    return _render(request, "clients/contact_list.html", context)


def _contacts_tab(client: Client) -> str:
    return reverse("clients:contacts", kwargs={"pk": client.pk})


@login_required
def contact_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    form = ContactForm(request.POST or None, language=client.language, user=request.user, client=client)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                client=client, user=request.user, values=form.values(), custom_fields=form.custom_values()
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("%(name)s was added to the contacts.") % {"name": contact})
            return redirect(_contacts_tab(client))
    return _render(request, "clients/contact_form.html", {"form": form, "client": client, "contact": None})


@login_required
def contact_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = selectors.get_contact_for_user(user=request.user, pk=pk, write=True)
    form = ContactForm(request.POST or None, contact=contact, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(
                contact=contact, user=request.user, values=form.values(), custom_fields=form.custom_values()
            )
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, _("Your changes to %(name)s were saved.") % {"name": contact})
            return redirect(_contacts_tab(contact.client))
    return _render(request, "clients/contact_form.html", {"form": form, "client": contact.client, "contact": contact})


@login_required
def contact_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    contact = selectors.get_contact_for_user(user=request.user, pk=pk, write=True)
    if request.method == "POST":
        services.contact_delete(contact=contact, user=request.user)
        messages.success(request, _("%(name)s was removed from the contacts.") % {"name": contact})
        return redirect(_contacts_tab(contact.client))
    return _render(request, "clients/contact_confirm_delete.html", {"contact": contact, "client": contact.client})


# Groups ------------------------------------------------------------------------------------------


@login_required
def group_list(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    search = form.search()
    groups = selectors.group_list(user=request.user, search=search)
    context = {"form": form, "groups": groups, "search": search}
    if _wants_part(request, "group-results"):
        return _render(request, "clients/_group_results.html", context)
    return _render(request, "clients/group_list.html", context)


def _group_form(request: AuthenticatedRequest, group: ClientGroup | None) -> HttpResponse:
    initial = {"name": group.name, "description": group.description} if group else None
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if group is None:
                group = services.group_create(user=request.user, **form.cleaned_data)
                messages.success(request, _("Group “%(name)s” was created.") % {"name": group.name})
            else:
                group = services.group_update(group=group, user=request.user, **form.cleaned_data)
                messages.success(request, _("Group “%(name)s” was saved.") % {"name": group.name})
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            return redirect("clients:group_list")
    return _render(request, "clients/group_form.html", {"form": form, "group": group})


@login_required
def group_create(request: AuthenticatedRequest) -> HttpResponse:
    return _group_form(request, None)


@login_required
def group_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _group_form(request, selectors.get_group(pk=pk))


@login_required
def group_delete(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    group = selectors.get_group(pk=pk)
    if request.method == "POST":
        count = services.group_delete(group=group, user=request.user)
        messages.success(
            request,
            ngettext(
                "Group “%(name)s” was deleted; %(count)d client no longer has it.",
                "Group “%(name)s” was deleted; %(count)d clients no longer have it.",
                count,
            )
            % {"name": group.name, "count": count},
        )
        return redirect("clients:group_list")
    count = selectors.group_member_count(group=group)
    return _render(request, "clients/group_confirm_delete.html", {"group": group, "count": count})
