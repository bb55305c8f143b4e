"""Actions on several clients ticked in the list: lock, unlock, invalidate, restore, transfer."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.clients import services
from clientela.clients.forms import BulkAction, BulkActionForm
from clientela.clients.models import Client
from clientela.clients.views import AuthenticatedRequest
from clientela.core.errors import DomainError

DONE = {
    BulkAction.LOCK: lambda count: ngettext("%(count)d client locked.", "%(count)d clients locked.", count),
    BulkAction.UNLOCK: lambda count: ngettext("%(count)d client unlocked.", "%(count)d clients unlocked.", count),
    BulkAction.INVALIDATE: lambda count: ngettext(
        "%(count)d client invalidated.", "%(count)d clients invalidated.", count
    ),
    BulkAction.RESTORE: lambda count: ngettext("%(count)d client restored.", "%(count)d clients restored.", count),
    BulkAction.TRANSFER: lambda count: ngettext(
        "%(count)d client transferred.", "%(count)d clients transferred.", count
    ),
}


@login_required
@require_POST
def client_bulk(request: AuthenticatedRequest) -> HttpResponse:
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("clients:list")
    form = BulkActionForm(request.POST, user=request.user)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    ids = form.cleaned_data["selected"]
    clients = list(Client.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk"))
    action = form.cleaned_data["action"]
    try:
        if len(clients) != len(set(ids)):
            raise DomainError(
                ngettext(
                    "%(count)d of the ticked clients is not visible to you; nothing was changed.",
                    "%(count)d of the ticked clients are not visible to you; nothing was changed.",
                    len(set(ids)) - len(clients),
                )
                % {"count": len(set(ids)) - len(clients)}
            )
        if action == BulkAction.TRANSFER:
            count = services.client_transfer(user=request.user, clients=clients, to_owner=form.cleaned_data["to_owner"])
        else:
            change = {
                BulkAction.LOCK: services.client_bulk_lock,
                BulkAction.UNLOCK: services.client_bulk_unlock,
                BulkAction.INVALIDATE: services.client_bulk_invalidate,
                BulkAction.RESTORE: services.client_bulk_restore,
            }[BulkAction(action)]
            count = change(user=request.user, clients=clients)
    except DomainError as error:
        messages.error(request, error.message)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, DONE[BulkAction(action)](count) % {"count": count})
    return redirect(back)
