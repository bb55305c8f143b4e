"""Role checks shared by every service: may this user do this kind of thing at all?"""

from typing import Any

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
