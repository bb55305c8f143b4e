"""The "Fill from registry" panel of the client form: parts of the page served to htmx.

Search (GET) lists the matches; choosing one (POST, with the client form's current values)
previews what would change; applying (POST) answers with the changed form inputs, swapped into
the client form out of band. Nothing is saved here: the user still presses Save, and the client
form's own validation runs then.
"""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clientela.accounts.models import User
from clientela.clients.forms import ClientForm
from clientela.registry.errors import RegistryError
from clientela.registry.results import RegistryResult
from clientela.registry.selectors import looks_like_company_id, registry_changes, registry_lookup, registry_values

# A chosen result travels back to the server signed, so the preview and the form get exactly what
# the registry said without asking it again (and without trusting what the browser sends).
RESULT_SALT = "clientela.registry.result"
RESULT_MAX_AGE = 60 * 60


class AuthenticatedRequest(HttpRequest):
    user: User


def sign_result(result: RegistryResult) -> str:
    return signing.dumps(result.as_dict(), salt=RESULT_SALT, compress=True)


def _chosen_result(request: HttpRequest) -> RegistryResult | None:
    try:
        data = signing.loads(request.POST.get("result", ""), salt=RESULT_SALT, max_age=RESULT_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired included
        return None
    return RegistryResult.from_dict(data) if isinstance(data, dict) else None


def _error(request: HttpRequest, message: str) -> HttpResponse:
    # 200, not 4xx: htmx swaps only successful answers, and the message belongs in the panel.
    return render(request, "registry/_error.html", {"message": message})


@login_required
@require_GET
def search(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("registry_query", "").strip()
    country = request.GET.get("country", "")
    by_id = looks_like_company_id(query)
    try:
        results = registry_lookup(country=country, company_id=query if by_id else None, name=None if by_id else query)
    except RegistryError as error:
        return _error(request, error.message)
    items = [{"result": result, "token": sign_result(result)} for result in results]
    return render(request, "registry/_results.html", {"items": items, "query": query})


def _expired(request: HttpRequest) -> HttpResponse:
    return _error(request, _("That choice is no longer valid. Look the company up again."))


@login_required
@require_POST
def preview(request: AuthenticatedRequest) -> HttpResponse:
    result = _chosen_result(request)
    if result is None:
        return _expired(request)
    changes = registry_changes(result=result, values=request.POST)
    return render(
        request,
        "registry/_preview.html",
        {"result": result, "token": request.POST["result"], "changes": changes},
    )


def _form_inputs(request: AuthenticatedRequest, values: dict[str, str]) -> list[SafeString]:
    """The client form's inputs of ``values``, marked to replace the inputs in the page (htmx out of band)."""
    data = request.POST.copy()
    for field, value in values.items():
        data[field] = value
    form = ClientForm(data, user=request.user)
    inputs = []
    for field in values:
        bound = form[field]
        if field == "kind":  # radio buttons: each input replaces its namesake
            for option in bound.subwidgets:
                option.data["attrs"]["hx-swap-oob"] = "true"
                inputs.append(mark_safe(option.tag()))  # noqa: S308 (rendered by Django's widget templates)
        else:
            inputs.append(bound.as_widget(attrs={"hx-swap-oob": "true"}))
    return inputs


@login_required
@require_POST
def apply(request: AuthenticatedRequest) -> HttpResponse:
    result = _chosen_result(request)
    if result is None:
        return _expired(request)
    changes = registry_changes(result=result, values=request.POST)
    new_values = registry_values(result)
    values = {change.field: new_values[change.field] for change in changes}
    context: dict[str, Any] = {"result": result, "changes": changes, "inputs": _form_inputs(request, values)}
    return render(request, "registry/_applied.html", context)
