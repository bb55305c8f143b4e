"""Role checks shared by every service: may this user do this kind of thing at all?"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from clientela.accounts.models import Action
from clientela.core.errors import PermissionDenied


def require_action(user: Any, action: str) -> None:
    """Refuse, with a translated message, an action the user's role does not allow."""
    if not user.can(action):
        raise PermissionDenied(
            _("Your role does not allow this: %(action)s. Ask an administrator.") % {"action": Action(action).label}
        )


def require_admin(user: Any) -> None:
    """Refuse what only administrators may do (users, roles, teams)."""
    if not user.is_admin:
        raise PermissionDenied(_("Only an administrator can do this."))


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view for administrators: sign-in first, then a 403 page saying why for everyone else."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_admin(request.user)
        return view(request, *args, **kwargs)

    return wrapper
