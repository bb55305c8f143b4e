"""The merge screen: pick the clients, the surviving value of each field, confirm; and undo from history.

``/clients/<pk>/merge/?others=<id>&others=<id>``: ``pk`` survives, the others are merged into it
(the duplicates page links here in this shape). Kept apart from the package's ``__init__``, so it
imports nothing from there.
"""

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.clients import selectors
from clientela.clients.merge import (
    MergeField,
    client_merge,
    client_merge_undo,
    default_choices,
    merge_fields,
    merge_summary,
)
from clientela.clients.models import ADDRESS_PARTS, Client, ClientMerge
from clientela.clients.selectors import ClientFilters
from clientela.clients.validation import format_phone
from clientela.core.countries import country_name
from clientela.core.errors import DomainError, PermissionDenied, RecordLocked

MAX_OTHERS = 20
CANDIDATES_SHOWN = 10


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _other_ids(request: HttpRequest, survivor: Client) -> list[int]:
    ids: list[int] = []
    for raw in request.GET.getlist("others"):
        if raw.isdigit() and int(raw) != survivor.pk and int(raw) not in ids:
            ids.append(int(raw))
    return ids[:MAX_OTHERS]


def merge_url(survivor_pk: int, other_ids: list[int]) -> str:
    """The merge screen's address for a survivor and the clients to merge into it."""
    url = reverse("clients:merge", kwargs={"pk": survivor_pk})
    return f"{url}?{urlencode([('others', pk) for pk in other_ids])}" if other_ids else url


def _display(merge_field: MergeField, client: Client) -> str:
    """A field's value of one client, as people read it."""
    key = merge_field.key
    if merge_field.read is not None:
        return str(merge_field.value(client) or "")
    if key in ("kind", "language"):
        return str(getattr(client, f"get_{key}_display")())
    if key == "country":
        return country_name(client.country)
    if key == "phone":
        return format_phone(client.phone)
    if key == "owner":
        return str(client.owner)
    if key in ("billing_address", "shipping_address"):
        if key == "shipping_address" and client.shipping_same_as_billing:
            return _("Same as billing")
        prefix = key.removesuffix("_address")
        parts = [getattr(client, f"{prefix}_{part}") for part in ADDRESS_PARTS]
        if parts[-1]:
            parts[-1] = country_name(parts[-1])
        return ", ".join(part for part in parts if part)
    return str(getattr(client, key) or "")


def _errors_by_field(error: ValidationError) -> tuple[dict[str, list[str]], list[str]]:
    """A service's errors by merge field (an address part's error belongs to its address), and the rest."""
    owner_of = {attribute: f.key for f in merge_fields() for attribute in f.attributes}
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    if hasattr(error, "error_dict"):
        for name, messages_ in error.message_dict.items():
            if name in owner_of:
                by_field.setdefault(owner_of[name], []).extend(messages_)
            else:
                general.extend(messages_)
    else:
        general.extend(error.messages)
    return by_field, general


def _rows(clients: list[Client], choices: dict[str, Any], errors: dict[str, list[str]]) -> list[dict[str, Any]]:
    rows = []
    for merge_field in merge_fields():
        values = [_display(merge_field, client) for client in clients]
        rows.append(
            {
                "key": merge_field.key,
                "label": merge_field.label,
                "differs": len(set(values)) > 1,
                "errors": errors.get(merge_field.key, []),
                "cells": [
                    {"client": client, "text": text, "checked": str(choices.get(merge_field.key)) == str(client.pk)}
                    for client, text in zip(clients, values, strict=True)
                ],
            }
        )
    return rows


def _candidates(request: HttpRequest, survivor: Client, other_ids: list[int]) -> list[dict[str, Any]]:
    search = request.GET.get("q", "").strip()[:200]
    if not search:
        return []
    found = (
        selectors.client_list(user=_user(request), filters=ClientFilters(search=search))
        .exclude(pk__in=[survivor.pk, *other_ids])
        .select_related("owner")[:CANDIDATES_SHOWN]
    )
    return [{"client": client, "url": merge_url(survivor.pk, [*other_ids, client.pk])} for client in found]


def _render(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def client_merge_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The side-by-side screen (GET), and the merge itself (POST)."""
    user = _user(request)
    require_action(user, Action.MERGE)
    survivor = selectors.get_client_for_user(user=user, pk=pk, write=True)
    if survivor.is_merged:
        messages.info(request, _("“%(name)s” was merged into another client.") % {"name": survivor.name})
        return redirect("clients:detail", pk=survivor.merged_into_id)
    other_ids = _other_ids(request, survivor)
    # Every client to merge must be visible: others' clients do not exist for the user (404).
    others = [selectors.get_client_for_user(user=user, pk=other_id) for other_id in other_ids]
    context: dict[str, Any] = {
        "survivor": survivor,
        "others": others,
        "search": request.GET.get("q", ""),
        "candidates": _candidates(request, survivor, other_ids),
        "base_url": merge_url(survivor.pk, other_ids),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and htmx.target == "merge-candidates":
        return _render(request, "clients/_merge_candidates.html", context)

    choices: dict[str, Any] = default_choices(survivor=survivor, others=others)
    field_errors: dict[str, list[str]] = {}
    general_errors: list[str] = []
    status = 200
    if request.method == "POST" and others:
        choices.update(
            {f.key: request.POST[f"value_{f.key}"] for f in merge_fields() if f"value_{f.key}" in request.POST}
        )
        versions = {c.pk: request.POST.get(f"version_{c.pk}") for c in (survivor, *others)}
        try:
            client_merge(
                user=user,
                survivor=survivor,
                others=others,
                values=choices,
                versions={pk: v for pk, v in versions.items() if v and v.isdigit()},
            )
        except ValidationError as error:
            field_errors, general_errors = _errors_by_field(error)
            status = 400
        except (PermissionDenied, RecordLocked):
            raise  # answered with the reason by the refusal middleware (403, 423)
        except DomainError as error:
            # Stale data, a client merged meanwhile, a lock or a refusal: nothing was changed.
            general_errors = [error.message]
            status = 409
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d client was merged into “%(name)s”. The merge can be undone from its history.",
                    "%(count)d clients were merged into “%(name)s”. The merge can be undone from its history.",
                    len(others),
                )
                % {"count": len(others), "name": survivor.name},
            )
            return redirect("clients:detail", pk=survivor.pk)
    clients = [survivor, *others]
    context.update(
        {
            "clients": [
                {
                    "client": client,
                    "is_survivor": client.pk == survivor.pk,
                    "survive_url": merge_url(client.pk, [c.pk for c in clients if c.pk != client.pk]),
                    "remove_url": merge_url(survivor.pk, [c.pk for c in others if c.pk != client.pk]),
                }
                for client in clients
            ],
            "rows": _rows(clients, choices, field_errors) if others else [],
            "general_errors": general_errors,
            "summary": merge_summary(survivor=survivor, others=others) if others else None,
        }
    )
    return _render(request, "clients/merge.html", context, status=status)


@login_required
@require_POST
def client_merge_undo_view(request: HttpRequest, pk: int, merge_id: int) -> HttpResponse:
    """Undo a merge from the survivor's history tab."""
    user = _user(request)
    survivor = selectors.get_client_for_user(user=user, pk=pk, write=True)
    merge = ClientMerge.objects.filter(pk=merge_id, survivor=survivor).first()
    if merge is None:
        raise Http404(_("No such merge."))
    try:
        client_merge_undo(user=user, merge=merge)
    except DomainError as error:
        if error.code in ("locked", "permission_denied"):
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The merge was undone: the merged clients are back and “%(name)s” is as before.")
            % {"name": survivor.name},
        )
    return redirect("clients:history", pk=survivor.pk)
