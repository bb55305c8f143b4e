from typing import Self

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext_lazy as _

from clientela.core.languages import Language

# Every user in the hierarchy below (and including) a given user. UNION (not UNION ALL)
# drops repeated rows, so even a cycle in the data cannot make the recursion endless.
_TEAM_SQL = """
    WITH RECURSIVE team(id) AS (
        SELECT CAST(%s AS BIGINT)
        UNION
        SELECT u.id FROM accounts_user u JOIN team ON u.manager_id = team.id
    )
    SELECT id FROM team
"""


def team_ids_sql(user_id: int) -> RawSQL:
    """A subquery of the ids of the user and all their subordinates, at any depth."""
    return RawSQL(_TEAM_SQL, [user_id])


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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_admin(self) -> bool:
        """Admins see and may change every record."""
        return self.is_active and self.is_superuser


class OwnedQuerySet(models.QuerySet):
    """Record visibility in one queryset method, shared by every owned record type.

    A record is visible to its owner, to the owner's superiors at any depth, and to admins.
    Subclasses name the path to the owner (``owner_path``).
    """

    owner_path = "owner"
    # Path to the user who locked the record (None for record types that cannot be locked).
    lock_path: str | None = None

    def visible_to(self, user: User) -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_admin:
            return self.all()
        return self.filter(**{f"{self.owner_path}_id__in": team_ids_sql(user.pk)})

    def editable_by(self, user: User) -> Self:
        """Visible records that nobody else has locked (admins unlock before they edit, too)."""
        records = self.visible_to(user)
        if self.lock_path is None:
            return records
        return records.filter(Q(**{f"{self.lock_path}__isnull": True}) | Q(**{self.lock_path: user.pk}))
