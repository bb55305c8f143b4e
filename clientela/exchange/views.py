"""Exports on the web: a client's page as a PDF or a vCard file, and the client list as CSV, XLSX or vCard."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from clientela.accounts.models import Action
from clientela.accounts.permissions import require_action
from clientela.clients.custom_forms import chosen_columns
from clientela.clients.forms import ClientFilterForm
from clientela.clients.selectors import get_client_for_user
from clientela.core.errors import DomainError
from clientela.core.http import AuthenticatedRequest
from clientela.exchange import exports, pdf, vcard
from clientela.exchange.files import client_attachment

# A client's page -------------------------------------------------------------------------------------


@login_required
@require_GET
def client_pdf(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_action(request.user, Action.EXPORT)
    client = get_client_for_user(user=request.user, pk=pk)
    content = pdf.client_pdf(client, user=request.user)
    return client_attachment(client, content, content_type=pdf.CONTENT_TYPE, extension="pdf")


@login_required
@require_GET
def client_vcard(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    require_action(request.user, Action.EXPORT)
    client = get_client_for_user(user=request.user, pk=pk)
    version = request.GET.get("version", vcard.DEFAULT_VERSION)
    if version not in vcard.VERSIONS:
        return HttpResponseBadRequest(
            _("Unknown vCard version; use one of: %(versions)s.") % {"versions": ", ".join(vcard.VERSIONS)}
        )
    content = vcard.client_vcard(client, version=version)
    return client_attachment(client, content, content_type=vcard.CONTENT_TYPE, extension="vcf")


# The client list -------------------------------------------------------------------------------------


class ExportForm(forms.Form):
    """How the client list is exported; the list's own filters come with it in the same query string."""

    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=exports.Format.CHOICES, required=False)
    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"),
        choices=[(code, label) for code, (_charset, label) in exports.ENCODINGS.items()],
        required=False,
    )
    delimiter = forms.CharField(label=gettext_lazy("Delimiter"), required=False, max_length=10, strip=False)
    column_set = forms.ChoiceField(label=gettext_lazy("Columns"), choices=exports.ColumnSet.CHOICES, required=False)
    version = forms.ChoiceField(
        label=gettext_lazy("vCard version"), choices=[(v, v) for v in vcard.VERSIONS], required=False
    )
    # Which button of the Export menu: the list as filtered, or the ticked clients.
    scope = forms.ChoiceField(choices=(("list", "list"), ("selected", "selected")), required=False)

    def clean_delimiter(self) -> str:
        return exports.parse_delimiter(self.cleaned_data["delimiter"]) if self.cleaned_data["delimiter"] else ","

    def options(self) -> exports.ExportOptions:
        data = self.cleaned_data
        return exports.ExportOptions(
            format=data["format"] or exports.Format.CSV,
            encoding=data["encoding"] or exports.DEFAULT_ENCODING,
            delimiter=data["delimiter"],
            column_set=data["column_set"] or exports.ColumnSet.ALL,
            vcard_version=data["version"] or vcard.DEFAULT_VERSION,
        )


def _selected(request: HttpRequest) -> list[int] | None:
    """The ticked ids (``selected``, the list's tick boxes, or ``id`` as in the API), or None for the list.

    "Export the ticked clients" with none ticked is refused rather than taken for the whole list.
    """
    if request.GET.get("scope") == "list":
        return None
    given = [*request.GET.getlist("id"), *request.GET.getlist("selected")]
    if not given and request.GET.get("scope") != "selected":
        return None
    if not given:
        raise ValidationError(_("Tick the clients to export first."), code="required")
    if not all(value.isdigit() for value in given):
        raise ValidationError(_("Ticked clients are given by their ids (whole numbers)."), code="invalid")
    return [int(value) for value in given]


def _list_export(request: AuthenticatedRequest) -> exports.ClientExport:
    require_action(request.user, Action.EXPORT)
    form = ExportForm(request.GET)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label or name}: {error}" for name, errors in form.errors.items() for error in errors]
        )
    filters_form = ClientFilterForm(request.GET, user=request.user)
    filters = filters_form.filters()
    # The list's extra columns as chosen on the page, read without changing what the page remembers.
    shown_custom = chosen_columns(filters_form, dict(request.session.items()))
    export = exports.client_export(
        user=request.user,
        filters=filters,
        options=form.options(),
        selected=_selected(request),
        shown_custom=shown_custom,
    )
    export.check()
    return export


@login_required
@require_GET
def client_list_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """The client list (its filters in the query string), or the ticked clients, as a CSV, XLSX or vCard file.

    The list page's Export menu asks through htmx first: a refusal comes back as a message in the
    menu, and an export that can start as ``HX-Redirect`` to this same address, which the browser
    then downloads.
    """
    try:
        export = _list_export(request)
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = request.get_full_path()
            return response
        return exports.file_response(export)
    except (ValidationError, DomainError) as error:
        message = error.message if isinstance(error, DomainError) else " ".join(error.messages)
        if request.htmx:
            # Shown in the Export menu (htmx swaps a 200 answer only).
            return HttpResponse(format_html('<p class="alert error" role="alert">{}</p>', message))
        status = 403 if isinstance(error, DomainError) and error.code == "permission_denied" else 400
        return _refused(request, message, status=status)


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    back = request.headers.get("referer", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    return render(request, "web/refused.html", {"message": message, "back": back}, status=status)
