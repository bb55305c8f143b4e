"""Refusals that can happen on any page, shown as a page that says why instead of a server error."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from clientela.core.errors import PermissionDenied, RecordLocked


class RefusalMiddleware:
    """Answer a locked record (423) or a refused action (403) with the reason and a way back."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, RecordLocked | PermissionDenied):
            return None
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = ""
        status = 423 if isinstance(exception, RecordLocked) else 403
        return render(request, "web/refused.html", {"message": exception.message, "back": back}, status=status)
