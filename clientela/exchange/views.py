"""The export buttons of a client's page: the record as a PDF or a vCard file, for those who may see it."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from clientela.accounts.models import Action, User
from clientela.accounts.permissions import require_action
from clientela.clients.selectors import get_client_for_user
from clientela.exchange import pdf, vcard
from clientela.exchange.files import client_attachment


class AuthenticatedRequest(HttpRequest):
    user: User


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
