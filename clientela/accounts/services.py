import secrets
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clientela.accounts.models import BUILTIN_ROLE_ACTIONS, Action, BuiltinRole, Role, Share, ShareAccess, Team, User
from clientela.accounts.permissions import require_action, require_admin
from clientela.accounts.selectors import user_superiors
from clientela.core.errors import DomainError, PermissionDenied
from clientela.core.languages import Language


def builtin_role(code: str) -> Role:
    """A built-in role, made as migration 0003 makes it should it be missing (e.g. after a flush)."""
    with translation.override("en"):  # stored in English; shown in the reader's language
        name = str(BuiltinRole(code).label)
    role, _created = Role.objects.get_or_create(
        builtin=code,
        defaults={
            "name": name,
            "is_admin": code == BuiltinRole.ADMIN,
            "actions": list(BUILTIN_ROLE_ACTIONS[code]),
        },
    )
    return role


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
    role: Role | None = None,
) -> User:
    """Create a user (an admin when ``is_admin``, a salesperson unless ``role`` says otherwise).

    Without a password the account cannot log in.
    """
    if role is None:
        role = builtin_role(BuiltinRole.ADMIN if is_admin else BuiltinRole.SALESPERSON)
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        manager=manager,
        language=language,
        is_superuser=is_admin,
        is_staff=is_admin,
        role=role,
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


@transaction.atomic
def user_add(
    *,
    actor: User,
    username: str,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    manager: User | None = None,
    language: str = Language.ENGLISH,
    teams: Iterable[Team] = (),
) -> tuple[User, str]:
    """An administrator adds a user; returns the user and their generated password, to be shown once."""
    require_admin(actor)
    password = generate_password()
    user = user_create(
        username=username,
        password=password,
        email=email,
        first_name=first_name,
        last_name=last_name,
        manager=manager,
        language=language,
        role=role,
    )
    user.teams.set(teams)
    return user, password


# Users, roles and teams: administrators only ------------------------------------------------------


def _check_actions(actions: list[str]) -> list[str]:
    unknown = set(actions) - set(Action.values)
    if unknown:
        raise ValidationError({"actions": _("Unknown actions: %(actions)s") % {"actions": ", ".join(sorted(unknown))}})
    return [action for action in Action.values if action in actions]  # stored in a stable order


def _check_unique_name(model: type[Role] | type[Team], name: str, *, exclude: int | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    clash = model.objects.filter(name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError({"name": _("“%(name)s” is already taken.") % {"name": name}})
    return name


@transaction.atomic
def role_create(*, actor: User, name: str, actions: list[str], is_admin: bool = False) -> Role:
    """Add a role with the actions it allows."""
    require_admin(actor)
    role = Role(name=_check_unique_name(Role, name, exclude=None), actions=_check_actions(actions), is_admin=is_admin)
    role.save()
    return role


@transaction.atomic
def role_update(
    *, actor: User, role: Role, name: str | None = None, actions: list[str], is_admin: bool = False
) -> Role:
    """Change what a role allows; the built-in administrator role always allows everything."""
    require_admin(actor)
    if role.builtin == BuiltinRole.ADMIN and (not is_admin or set(actions) != set(Action.values)):
        raise ValidationError({"actions": _("The administrator role always allows everything.")})
    if name is not None and not role.builtin:
        role.name = _check_unique_name(Role, name, exclude=role.pk)
    role.actions = _check_actions(actions)
    role.is_admin = is_admin
    role.save()
    return role


@transaction.atomic
def role_delete(*, actor: User, role: Role) -> None:
    """Delete a role nobody has; built-in roles stay."""
    require_admin(actor)
    if role.builtin:
        raise DomainError(_("A built-in role cannot be deleted."), code="builtin")
    holders = role.users.count()
    if holders:
        raise DomainError(
            ngettext(
                "%(count)d user still has this role; give them another one first.",
                "%(count)d users still have this role; give them another one first.",
                holders,
            )
            % {"count": holders},
            code="in_use",
        )
    role.delete()


@transaction.atomic
def team_create(*, actor: User, name: str, description: str = "", members: Iterable[User] = ()) -> Team:
    """Add a team of users."""
    require_admin(actor)
    team = Team(name=_check_unique_name(Team, name, exclude=None), description=(description or "").strip())
    team.save()
    team.members.set(members)
    return team


@transaction.atomic
def team_update(
    *, actor: User, team: Team, name: str, description: str = "", members: Iterable[User] | None = None
) -> Team:
    """Rename a team or change its members."""
    require_admin(actor)
    team.name = _check_unique_name(Team, name, exclude=team.pk)
    team.description = (description or "").strip()
    team.save()
    if members is not None:
        team.members.set(members)
    return team


@transaction.atomic
def team_delete(*, actor: User, team: Team) -> None:
    """Delete a team; what was shared with it is no longer shared with its members."""
    require_admin(actor)
    team.delete()


class _Unchanged:
    """Marks an argument left out, where None is a meaningful value."""


UNCHANGED = _Unchanged()


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    role: Role | None = None,
    manager: "User | _Unchanged | None" = UNCHANGED,
    teams: Iterable[Team] | None = None,
    is_active: bool | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    email: str | None = None,
    language: str | None = None,
) -> User:
    """Change a user's role, manager, teams or details (administrators only).

    A user who leaves is deactivated, never deleted: their clients stay, ready to be transferred.
    Leave ``manager`` out to keep it; None removes it.
    """
    require_admin(actor)
    if not isinstance(manager, _Unchanged):
        validate_manager(user=user, manager=manager)
        user.manager = manager
    if is_active is False and user.pk == actor.pk:
        raise ValidationError({"is_active": _("You cannot deactivate your own account.")})
    if user.pk == actor.pk and role is not None and not role.is_admin and not user.is_superuser:
        # Otherwise the last administrator could lock everyone out of the settings.
        raise ValidationError({"role": _("You cannot take away your own administrator rights.")})
    if role is not None:
        user.role = role
    for field, value in (
        ("is_active", is_active), ("first_name", first_name), ("last_name", last_name), ("email", email),
        ("language", language),
    ):  # fmt: skip
        if value is not None:
            setattr(user, field, value)
    user.full_clean(exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set(teams)
    return user


# Shares --------------------------------------------------------------------------------------------


def _shareable(record: models.Model, actor: User) -> None:
    # Sharing gives access away, so only who may change the record may share it.
    editable = type(record)._default_manager.editable_by(actor)  # type: ignore[attr-defined]
    if not editable.filter(pk=record.pk).exists():
        raise PermissionDenied(_("Only those who may change this record can share it."))


@transaction.atomic
def share_create(
    *, actor: User, record: models.Model, user: User | None = None, team: Team | None = None, access: str
) -> Share:
    """Share a record with a user or a team, to read or to edit; sharing again changes the access."""
    require_action(actor, Action.EDIT)
    _shareable(record, actor)
    if (user is None) == (team is None):
        raise ValidationError(_("Share with either a user or a team."))
    if access not in ShareAccess.values:
        raise ValidationError({"access": _("Choose read or edit access.")})
    if user is not None and not user.is_active:
        raise ValidationError({"user": _("This user is no longer active.")})
    content_type = ContentType.objects.get_for_model(record)
    share, created = Share.objects.get_or_create(
        content_type=content_type,
        object_id=record.pk,
        user=user,
        team=team,
        defaults={"access": access, "created_by": actor},
    )
    if not created and share.access != access:
        share.access = access
        share.save(update_fields=["access", "updated_at"])
    return share


@transaction.atomic
def share_delete(*, actor: User, share: Share) -> None:
    """Stop sharing a record."""
    record = share.content_type.get_object_for_this_type(pk=share.object_id)
    _shareable(record, actor)
    share.delete()
