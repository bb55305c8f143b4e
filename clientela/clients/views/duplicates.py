"""Duplicate candidates on the web: the warning on the client form and the "find duplicates" page.

Kept apart from the package's ``__init__`` (which imports it), so it imports nothing from there.
"""

from typing import Any, cast
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from clientela.accounts.models import User
from clientela.clients.duplicate_scans import (
    duplicate_scan_result,
    duplicate_scan_start,
    last_duplicate_scan,
    pending_duplicate_scan,
)
from clientela.clients.duplicates import DuplicateCandidate, DuplicateGroup, duplicate_candidates
from clientela.clients.models import Client, DuplicateScanStatus

GROUPS_PER_PAGE = 25


def duplicate_warning(request: HttpRequest, form: Form, *, client: Client | None = None) -> list[DuplicateCandidate]:
    """The likely duplicates of a valid client form's values; none once the user ticked "Save anyway"."""
    if form.cleaned_data.get("save_anyway"):
        return []
    values = cast(Any, form).values()
    return duplicate_candidates(user=cast(User, request.user), values=values, exclude=client)


def merge_url(group: DuplicateGroup) -> str:
    """The merge screen for a group: the oldest client survives by default, the others are merged into it.

    The merge screen lives at ``/clients/<pk>/merge/?others=<id>&others=<id>`` (clientela.clients.views.merge).
    """
    survivor, *others = group.clients
    query = urlencode([("others", other.pk) for other in others])
    return f"{reverse('clients:detail', kwargs={'pk': survivor.pk})}merge/?{query}"


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
def duplicate_list(request: HttpRequest) -> HttpResponse:
    """The latest scan's groups of likely duplicates among the clients the user can see, with a merge link each.

    Scanning runs in the worker (clientela.clients.duplicate_scans): this page starts a scan, shows
    its progress while it runs and the groups of the last one that finished.
    """
    user = cast(User, request.user)
    number = _page_number(request)
    pending = pending_duplicate_scan(user)
    last = last_duplicate_scan(user)
    scan = None
    if last is not None and last.status == DuplicateScanStatus.DONE:
        scan = duplicate_scan_result(user=user, run=last, offset=(number - 1) * GROUPS_PER_PAGE, limit=GROUPS_PER_PAGE)
    groups = [{"group": group, "merge_url": merge_url(group)} for group in scan.groups] if scan else []
    context = {
        "pending": pending,
        "last": last,
        "scan": scan,
        "groups": groups,
        "page_number": number,
        "previous_page": number - 1 if number > 1 else None,
        "next_page": number + 1 if scan and scan.has_next else None,
        "first_number": scan.offset + 1 if scan else 1,
    }
    response = render(request, "clients/duplicate_list.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
@require_POST
def duplicate_scan_request(request: HttpRequest) -> HttpResponse:
    """Start a scan for duplicates (or join the one already under way) and go back to the page."""
    duplicate_scan_start(user=cast(User, request.user))
    return redirect("clients:duplicates")


@login_required
def duplicate_scan_progress(request: HttpRequest) -> HttpResponse:
    """The running scan's progress, polled by the page; once it is over, htmx reloads the page."""
    pending = pending_duplicate_scan(cast(User, request.user))
    if pending is None:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "clients/_duplicate_progress.html", {"pending": pending})
