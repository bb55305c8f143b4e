from django.db.models import QuerySet

from clientela.accounts.models import User, team_ids_sql


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
