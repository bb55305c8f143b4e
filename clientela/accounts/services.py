import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.accounts.models import User
from clientela.accounts.selectors import user_superiors
from clientela.core.languages import Language


def validate_manager(*, user: User, manager: User | None) -> None:
    """Refuse a manager that would put the user above themselves."""
    if manager is None or user.pk is None:
        return
    if manager.pk == user.pk or user.pk in {m.pk for m in user_superiors(user=manager)}:
        raise ValidationError(
            {"manager": _("%(name)s reports to this user, so cannot be their manager.") % {"name": manager}}
        )


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None = None,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    manager: User | None = None,
    language: str = Language.ENGLISH,
    is_admin: bool = False,
) -> User:
    """Create a user (an admin when ``is_admin``); without a password the account cannot log in."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        manager=manager,
        language=language,
        is_superuser=is_admin,
        is_staff=is_admin,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.full_clean()
    user.save()
    return user


def user_set_manager(*, user: User, manager: User | None) -> User:
    """Put the user under another manager (or none)."""
    validate_manager(user=user, manager=manager)
    user.manager = manager
    user.save(update_fields=["manager"])
    return user


def user_set_language(*, user: User, language: str) -> User:
    """Remember the user's interface language."""
    if language not in Language.values:
        raise ValidationError({"language": _("Unknown language.")})
    user.language = language
    user.save(update_fields=["language"])
    return user


def generate_password() -> str:
    return secrets.token_urlsafe(12)
