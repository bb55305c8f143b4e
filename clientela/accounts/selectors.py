from typing import cast

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, Model, Prefetch, Q, QuerySet

from clientela.accounts.models import Action, OwnedQuerySet, Role, Share, Team, User, team_ids_sql


def user_team(*, user: User) -> QuerySet[User]:
    """The user and everyone below them in the hierarchy; every active user for an admin."""
    users = User.objects.filter(is_active=True)
    if user.is_admin:
        return users
    return users.filter(id__in=team_ids_sql(user.pk))


def user_superiors(*, user: User) -> list[User]:
    """The user's managers, nearest first (stops on a cycle)."""
    chain: list[User] = []
    seen = {user.pk}
    current = user.manager
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.manager
    return chain


# Settings screens and API (administrators) -------------------------------------------------------


def user_list() -> QuerySet[User]:
    """Every user with role, manager and teams loaded, active ones first."""
    return (
        User.objects.select_related("role", "manager")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name", "id")))
        .order_by("-is_active", "username")
    )


def role_list() -> QuerySet[Role]:
    """Every role with how many users have it."""
    return Role.objects.annotate(user_count=Count("users")).order_by("id")


def team_list() -> QuerySet[Team]:
    """Every team with its members loaded."""
    members = User.objects.order_by("first_name", "last_name", "username")
    return Team.objects.prefetch_related(Prefetch("members", queryset=members)).order_by("name", "id")


def owned_record_counts(*, user: User) -> list[tuple[str, int]]:
    """How many records of each type the user owns, as (name of the record type, count), none left out.

    Found from the record types' querysets, so a type added later is counted without a change here.
    """
    counts = []
    for model in shareable_types().values():
        owner_path = owned_records(model).owner_path
        if "__" in owner_path:  # owned through another record (a contact through its client)
            continue
        count = model._default_manager.filter(**{owner_path: user}).count()
        if count:
            meta = model._meta
            counts.append((str(meta.verbose_name if count == 1 else meta.verbose_name_plural), count))
    return counts


# Shares ------------------------------------------------------------------------------------------


def shareable_types() -> dict[str, type[Model]]:
    """The record types that can be shared, by name ("client", "contact"): every owned record type."""
    return {
        str(model._meta.model_name): model
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), OwnedQuerySet)
    }


def owned_records(model: type[Model]) -> OwnedQuerySet:
    """All records of an owned record type (one of ``shareable_types()``), as its visibility-aware queryset."""
    return cast(OwnedQuerySet, model._default_manager.all())


def record_shares(*, record: Model) -> QuerySet[Share]:
    """Whom one record is shared with (the record was fetched with a visibility check)."""
    content_type = ContentType.objects.get_for_model(record)
    return (
        Share.objects.filter(content_type=content_type, object_id=record.pk)
        .select_related("user", "team", "created_by")
        # Users first, then teams, each by name (the same on every database).
        .order_by(F("team__name").asc(nulls_first=True), "user__first_name", "user__last_name", "user__username", "id")
    )


def share_list(*, user: User, record_type: str | None = None, record_id: int | None = None) -> QuerySet[Share]:
    """The shares of the records the user can see, optionally of one type or one record."""
    types = shareable_types()
    if record_type is not None:
        types = {record_type: types[record_type]} if record_type in types else {}
    reach = Q(pk__in=[])
    for model in types.values():
        content_type = ContentType.objects.get_for_model(model)
        if user.is_admin and user.can(Action.VIEW):
            reach |= Q(content_type=content_type)
        else:
            visible = owned_records(model).visible_to(user).values("pk")
            reach |= Q(content_type=content_type, object_id__in=visible)
    shares = Share.objects.filter(reach)
    if record_id is not None:
        shares = shares.filter(object_id=record_id)
    return shares.select_related("content_type", "user", "team").order_by("id")
