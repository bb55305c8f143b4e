"""The Sharing tab of the client page: whom the client is shared with, and (for who may change it) add and remove."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.accounts.forms import ShareForm
from clientela.accounts.models import Action, User
from clientela.accounts.selectors import record_shares
from clientela.accounts.services import share_create, share_delete
from clientela.clients import selectors
from clientela.clients.models import Client
from clientela.clients.views import AuthenticatedRequest, _add_service_error, _client_page


def _sharing_context(user: User, client: Client, form: ShareForm | None = None) -> dict[str, Any]:
    # One query whatever the number of shares; the pickers (users, teams) only for who may share.
    may_share = (
        user.can(Action.EDIT)
        and not client.is_locked_for(user)
        and Client.objects.editable_by(user).filter(pk=client.pk).exists()
    )
    return {
        "shares": list(record_shares(record=client)),
        "may_share": may_share,
        "share_form": (form or ShareForm()) if may_share else None,
    }


@login_required
def client_sharing(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _client_page(request, pk, "sharing", extra=lambda client: _sharing_context(request.user, client))


@login_required
@require_POST
def share_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    form = ShareForm(request.POST)
    if form.is_valid():
        grantee = form.grantee_arguments()
        try:
            share_create(actor=request.user, record=client, access=form.cleaned_data["access"], **grantee)
        except ValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s” is now shared with %(grantee)s.")
                % {"name": client.name, "grantee": next(iter(grantee.values()))},
            )
            return redirect("clients:sharing", pk=client.pk)
    return _client_page(request, pk, "sharing", extra=lambda client: _sharing_context(request.user, client, form))


@login_required
@require_POST
def share_remove(request: AuthenticatedRequest, pk: int, share_id: int) -> HttpResponse:
    client = selectors.get_client_for_user(user=request.user, pk=pk, write=True)
    share = record_shares(record=client).filter(pk=share_id).first()
    if share is None:
        raise Http404(_("No such share."))
    share_delete(actor=request.user, share=share)
    messages.success(
        request, _("“%(name)s” is no longer shared with %(grantee)s.") % {"name": client.name, "grantee": share.grantee}
    )
    return redirect("clients:sharing", pk=client.pk)
