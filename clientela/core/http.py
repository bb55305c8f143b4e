"""What every HTML view shares: the typed request behind a login, and htmx-aware rendering."""

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

if TYPE_CHECKING:
    from clientela.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required`` (so ``user`` is a real user), with django-htmx's details."""

    user: "User"
    htmx: HtmxDetails


def wants_part(request: AuthenticatedRequest, target: str) -> bool:
    """True when htmx asks to swap only the element ``target`` (not when it restores history)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and htmx.target == target


def render_page(
    request: AuthenticatedRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render a page or a part of it; the same URL answers both, so caches must tell them apart."""
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ("HX-Request",))
    return response
