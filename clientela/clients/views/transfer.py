"""Transfer every client of one user to another: the "someone leaves" flow of the user settings page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.accounts.forms import TransferForm
from clientela.accounts.models import User
from clientela.clients.services import client_transfer
from clientela.clients.views import AuthenticatedRequest


@login_required
@require_POST
def transfer_from_user(request: AuthenticatedRequest, user_pk: int) -> HttpResponse:
    from_owner = User.objects.filter(pk=user_pk).first()
    if from_owner is None:
        raise Http404
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("clients:list")
    form = TransferForm(request.POST, user=from_owner)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(back)
    to_owner = form.cleaned_data["to_owner"]
    try:
        # Refusals (no transfer right, a client the user may not change) end on the 403/423 page.
        moved = client_transfer(user=request.user, from_owner=from_owner, to_owner=to_owner)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d client of %(old)s now belongs to %(new)s.",
                "%(count)d clients of %(old)s now belong to %(new)s.",
                moved,
            )
            % {"count": moved, "old": from_owner, "new": to_owner},
        )
    return redirect(back)
