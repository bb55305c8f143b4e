from typing import Any, Self

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from clientela.core.languages import Language
from clientela.core.models import TimeStampedModel

# Every user in the hierarchy below (and including) a given user. UNION (not UNION ALL)
# drops repeated rows, so even a cycle in the data cannot make the recursion endless.
_TEAM_CTE = """
    WITH RECURSIVE team(id) AS (
        SELECT CAST(%s AS BIGINT)
        UNION
        SELECT u.id FROM accounts_user u JOIN team ON u.manager_id = team.id
    )
"""
_TEAM_SQL = _TEAM_CTE + "    SELECT id FROM team\n"


def team_ids_sql(user_id: int) -> RawSQL:
    """A subquery of the ids of the user and all their subordinates, at any depth."""
    return RawSQL(_TEAM_SQL, [user_id])


# The ids of the records of one type shared with the user, with one of their subordinates (a manager
# sees what their people see), or with a team any of them belongs to.
_SHARED_SQL = (
    _TEAM_CTE
    + """
    SELECT s.object_id FROM accounts_share s
    WHERE s.content_type_id = %s AND s.access IN ({access}) AND (
        s.user_id IN (SELECT id FROM team)
        OR s.team_id IN (SELECT m.team_id FROM accounts_team_members m WHERE m.user_id IN (SELECT id FROM team))
    )
"""
)


def shared_ids_sql(user_id: int, content_type_id: int, *, for_edit: bool) -> RawSQL:
    """A subquery of the ids of records of one type shared with the user's part of the hierarchy."""
    access = ["edit"] if for_edit else ["read", "edit"]
    placeholders = ", ".join(["%s"] * len(access))
    return RawSQL(_SHARED_SQL.format(access=placeholders), [user_id, content_type_id, *access])


class Action(models.TextChoices):
    """What a role may do with records; an admin ticks them per role."""

    VIEW = "view", _("View")
    CREATE = "create", _("Create")
    EDIT = "edit", _("Edit")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    LOCK = "lock", _("Lock")
    MERGE = "merge", _("Merge")
    TRANSFER = "transfer", _("Transfer ownership")


class BuiltinRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SALESPERSON = "salesperson", _("Salesperson")
    READ_ONLY = "read_only", _("Read-only")


# What the built-in roles may do when they are first created; an admin can change it afterwards.
BUILTIN_ROLE_ACTIONS: dict[str, list[str]] = {
    BuiltinRole.ADMIN: list(Action.values),
    BuiltinRole.MANAGER: list(Action.values),
    BuiltinRole.SALESPERSON: [Action.VIEW, Action.CREATE, Action.EDIT, Action.DELETE, Action.EXPORT, Action.LOCK],
    BuiltinRole.READ_ONLY: [Action.VIEW],
}


class Role(TimeStampedModel):
    # Empty for roles an admin adds; built-in roles are named in the reader's language.
    builtin = models.CharField(_("built-in role"), max_length=20, choices=BuiltinRole.choices, blank=True, default="")
    name = models.CharField(_("name"), max_length=100)
    is_admin = models.BooleanField(
        _("administrator"), default=False, help_text=_("Sees and may change every record, and manages users.")
    )
    actions = models.JSONField(_("allowed actions"), default=list, blank=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="accounts_role_name_unique_ci"),
            models.UniqueConstraint(fields=["builtin"], condition=~Q(builtin=""), name="accounts_role_builtin_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return str(BuiltinRole(self.builtin).label) if self.builtin else self.name

    def allows(self, action: str) -> bool:
        return self.is_admin or action in self.actions


class User(AbstractUser):
    # Nullable: the top of the hierarchy (and every user of a one-person company) has no manager.
    manager = models.ForeignKey(
        "self",
        verbose_name=_("manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subordinates",
    )
    language = models.CharField(_("language"), max_length=7, choices=Language.choices, default=Language.ENGLISH)
    # Empty only for accounts made outside the services (e.g. createsuperuser): such a user may view
    # what is theirs and nothing more, unless they are a superuser.
    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        """Admins see and may change every record."""
        return self.is_active and (self.is_superuser or (self.role is not None and self.role.is_admin))

    def can(self, action: str) -> bool:
        """Whether the user's role allows an action (view, create, edit, ...) on records."""
        if not self.is_active:
            return False
        if self.is_admin:
            return True
        if self.role is None:
            return action == Action.VIEW
        return self.role.allows(action)


class Team(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    members = models.ManyToManyField(User, verbose_name=_("members"), related_name="teams", blank=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="accounts_team_name_unique_ci")]

    def __str__(self) -> str:
        return self.name


class ShareAccess(models.TextChoices):
    READ = "read", _("Read")
    EDIT = "edit", _("Edit")


class Share(TimeStampedModel):
    """One record of any type shared with a user or a team, to read or to edit."""

    content_type = models.ForeignKey(ContentType, verbose_name=_("record type"), on_delete=models.PROTECT)
    object_id = models.BigIntegerField(_("record"))
    # A share belongs to whom it is given to: when the user or team goes, the share goes (CASCADE);
    # the shared record itself is untouched. Exactly one of user and team is set.
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    access = models.CharField(_("access"), max_length=4, choices=ShareAccess.choices, default=ShareAccess.READ)
    # Empty when the sharing user has since been deleted.
    created_by = models.ForeignKey(
        User, verbose_name=_("shared by"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="accounts_share_user_xor_team",
            ),
            models.UniqueConstraint(fields=["content_type", "object_id", "user"], name="accounts_share_user_unique"),
            models.UniqueConstraint(fields=["content_type", "object_id", "team"], name="accounts_share_team_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "content_type", "access", "object_id"], name="accounts_share_user_idx"),
            models.Index(fields=["team", "content_type", "access", "object_id"], name="accounts_share_team_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type}#{self.object_id} → {self.user or self.team} ({self.access})"

    @property
    def grantee(self) -> Any:
        return self.user or self.team


class OwnedQuerySet(models.QuerySet):
    """Record visibility and edit rights in two queryset methods, shared by every owned record type.

    A record is visible to its owner, to the owner's superiors at any depth, to the users and teams
    it is shared with (and their superiors), and to admins; a role without the view action sees
    nothing. Subclasses name the path to the owner (``owner_path``) and the shares that count
    (``share_paths``: the record type shared and the path to its id, so a contact also follows
    the shares of its client).
    """

    owner_path = "owner"
    # Path to the user who locked the record (None for record types that cannot be locked).
    lock_path: str | None = None
    # (app_label.model, path to that record's id); the record's own shares by default.
    share_paths: tuple[tuple[str | None, str], ...] = ((None, "pk"),)

    def _owned(self, user: User) -> Q:
        return Q(**{f"{self.owner_path}_id__in": team_ids_sql(user.pk)})

    def _shared(self, user: User, *, for_edit: bool) -> Q:
        shared = Q()
        for label, path in self.share_paths:
            if label is None:
                content_type = ContentType.objects.get_for_model(self.model)
            else:
                content_type = ContentType.objects.get_by_natural_key(*label.split("."))
            shared |= Q(**{f"{path}__in": shared_ids_sql(user.pk, content_type.pk, for_edit=for_edit)})
        return shared

    def _reach(self, user: User, *, for_edit: bool) -> Q:
        return self._owned(user) | self._shared(user, for_edit=for_edit)

    def visible_to(self, user: Any) -> Self:
        if not user.is_authenticated or not user.can(Action.VIEW):
            return self.none()
        if user.is_admin:
            return self.all()
        return self.filter(self._reach(user, for_edit=False))

    def reach_parts(self, user: Any) -> list[Self]:
        """This queryset cut by why ``user`` sees each record: their team owns it, or it is shared with them.

        The parts are disjoint, add up to the visible records of this queryset, and each can be
        read through its own index (the owner index, the shared ids), where the OR-ed condition of
        ``visible_to`` may make a planner walk a wider index and test every entry. Admins see
        everything for one reason, and a user without the view action sees nothing: one part.
        """
        visible = self.visible_to(user)
        if not user.is_authenticated or user.is_admin or not user.can(Action.VIEW):
            return [visible]
        owned = self._owned(user)
        return [visible.filter(owned), visible.filter(self._shared(user, for_edit=False)).exclude(owned)]

    def editable_by(self, user: Any) -> Self:
        """Records the user may change: theirs, their team's, shared to edit, and not locked by others."""
        if not user.is_authenticated or not user.can(Action.EDIT):
            return self.none()
        records = self.all() if user.is_admin else self.filter(self._reach(user, for_edit=True))
        if self.lock_path is None:
            return records
        return records.filter(Q(**{f"{self.lock_path}__isnull": True}) | Q(**{self.lock_path: user.pk}))
