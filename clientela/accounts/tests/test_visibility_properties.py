"""Property tests: random hierarchies, teams, roles, shares and locks never leak a record or allow a
forbidden edit. The database answers (``visible_to``, ``editable_by``, the services) are compared with
a plain-Python statement of the rules."""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clientela.accounts.models import Action, Role, Share, ShareAccess, Team, User
from clientela.accounts.services import builtin_role, user_create
from clientela.clients.models import Client, Contact
from clientela.clients.services import client_update, contact_create
from clientela.clients.tests.factories import make_client
from clientela.core.errors import PermissionDenied, RecordLocked

pytestmark = pytest.mark.django_db

ROLES = ["admin", "manager", "salesperson", "read_only", "no_edit"]


@dataclass
class World:
    managers: list[int | None]  # index of each user's manager; always an earlier user, so no cycles
    roles: list[str]
    active: list[bool]
    teams: list[set[int]]  # members of each team
    owners: list[int]  # owner of each client
    shares: list[tuple[int, str, int, str]]  # (client, "user"|"team", grantee, access)
    locks: list[int | None]  # who locked each client


@st.composite
def worlds(draw: st.DrawFn) -> World:
    size = draw(st.integers(min_value=2, max_value=7))
    managers: list[int | None] = [None] + [
        draw(st.one_of(st.none(), st.integers(min_value=0, max_value=index - 1))) for index in range(1, size)
    ]
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=size, max_size=size))
    active = [draw(st.integers(0, 9)) > 0 for _ in range(size)]  # mostly active
    team_count = draw(st.integers(min_value=0, max_value=3))
    teams = [draw(st.sets(st.integers(0, size - 1), max_size=size)) for _ in range(team_count)]
    client_count = draw(st.integers(min_value=1, max_value=6))
    owners = draw(st.lists(st.integers(0, size - 1), min_size=client_count, max_size=client_count))
    share_strategy = st.tuples(
        st.integers(0, client_count - 1),
        st.sampled_from(["user", "team"] if team_count else ["user"]),
        st.integers(0, max(size, team_count) - 1),
        st.sampled_from(ShareAccess.values),
    ).filter(lambda share: share[2] < (size if share[1] == "user" else team_count))
    shares = draw(st.lists(share_strategy, max_size=8, unique_by=lambda share: share[:3]))
    locks = draw(st.lists(st.one_of(st.none(), st.integers(0, size - 1)), min_size=client_count, max_size=client_count))
    return World(managers, roles, active, teams, owners, shares, locks)


def subtree(world: World, user: int) -> set[int]:
    """The user and everyone below them."""
    below = {user}
    changed = True
    while changed:
        changed = False
        for index, manager in enumerate(world.managers):
            if manager in below and index not in below:
                below.add(index)
                changed = True
    return below


def allowed(world: World, user: int, action: str) -> bool:
    role = world.roles[user]
    if not world.active[user]:
        return False
    if role in ("admin", "manager"):
        return True
    if role == "salesperson":
        return action != Action.MERGE and action != Action.TRANSFER
    if role == "no_edit":
        return action in (Action.VIEW, Action.EXPORT)
    return action == Action.VIEW


def reaches(world: World, user: int, client: int, *, for_edit: bool) -> bool:
    """The rules in words: owner or a superior of the owner, or shared with the user, a subordinate,
    or a team any of them belongs to (to edit, when editing)."""
    if world.roles[user] == "admin":
        return True
    people = subtree(world, user)
    if world.owners[client] in people:
        return True
    for shared, kind, grantee, access in world.shares:
        if shared != client or (for_edit and access != ShareAccess.EDIT):
            continue
        if kind == "user" and grantee in people:
            return True
        if kind == "team" and world.teams[grantee] & people:
            return True
    return False


def expected_visible(world: World, user: int, client: int) -> bool:
    return allowed(world, user, Action.VIEW) and reaches(world, user, client, for_edit=False)


def expected_editable(world: World, user: int, client: int) -> bool:
    locked_by = world.locks[client]
    return (
        allowed(world, user, Action.EDIT)
        and reaches(world, user, client, for_edit=True)
        and (locked_by is None or locked_by == user)
    )


def build(world: World) -> tuple[list[User], list[Client]]:
    no_edit = Role.objects.create(name="Viewer and exporter", actions=[Action.VIEW, Action.EXPORT])
    users: list[User] = []
    for index, manager in enumerate(world.managers):
        role_name = world.roles[index]
        users.append(
            user_create(
                username=f"user{index}",
                manager=users[manager] if manager is not None else None,
                is_admin=role_name == "admin",
                role=no_edit if role_name == "no_edit" else (None if role_name == "admin" else builtin_role(role_name)),
            )
        )
    teams = []
    for number, members in enumerate(world.teams):
        team = Team.objects.create(name=f"Team {number}")
        team.members.set([users[member] for member in members])
        teams.append(team)
    creator = user_create(username="creator", is_admin=True)
    clients = []
    for number, owner in enumerate(world.owners):
        client = make_client(user=creator, owner=users[owner], name=f"Client {number} s.r.o.")
        contact_create(client=client, user=creator, values={"last_name": f"Person{number}"})
        clients.append(client)
    for shared, kind, grantee, access in world.shares:
        Share.objects.create(
            content_type_id=_client_type(),
            object_id=clients[shared].pk,
            user=users[grantee] if kind == "user" else None,
            team=teams[grantee] if kind == "team" else None,
            access=access,
        )
    for number, locker in enumerate(world.locks):
        if locker is not None:
            # Set straight away: whether this user's role may lock is beside the point here.
            Client.objects.filter(pk=clients[number].pk).update(locked_by=users[locker], locked_at=timezone.now())
    for index, is_active in enumerate(world.active):
        if not is_active:
            User.objects.filter(pk=users[index].pk).update(is_active=False)
    fresh = list(User.objects.select_related("role").filter(pk__in=[user.pk for user in users]).order_by("pk"))
    return fresh, [Client.objects.get(pk=client.pk) for client in clients]


def _client_type() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Client).pk


PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(world=worlds())
def test_visible_to_and_editable_by_match_the_rules_for_every_user_and_record(db, world: World):
    with transaction.atomic():
        users, clients = build(world)
        for index, user in enumerate(users):
            visible = set(Client.objects.visible_to(user).values_list("pk", flat=True))
            editable = set(Client.objects.editable_by(user).values_list("pk", flat=True))
            visible_contacts = set(Contact.objects.visible_to(user).values_list("client_id", flat=True))

            expected = {client.pk for number, client in enumerate(clients) if expected_visible(world, index, number)}
            assert visible == expected, f"user{index} sees {visible}, the rules say {expected}"
            assert editable == {
                client.pk for number, client in enumerate(clients) if expected_editable(world, index, number)
            }
            assert editable <= visible or not allowed(world, index, Action.VIEW)
            assert visible_contacts == visible  # contacts follow their client
        transaction.set_rollback(True)


@PROPERTY_SETTINGS
@given(world=worlds(), data=st.data())
def test_a_forbidden_edit_is_refused_by_the_service_and_changes_nothing(db, world: World, data: st.DataObject):
    with transaction.atomic():
        users, clients = build(world)
        user_index = data.draw(st.integers(0, len(users) - 1), label="user")
        client_index = data.draw(st.integers(0, len(clients) - 1), label="client")
        user, client = users[user_index], clients[client_index]
        before = Client.objects.values().get(pk=client.pk)

        try:
            with transaction.atomic():
                client_update(client=client, user=user, version=client.version, values={"email": "new@example.cz"})
        except (PermissionDenied, RecordLocked):
            assert not expected_editable(world, user_index, client_index)
            assert Client.objects.values().get(pk=client.pk) == before
        else:
            assert expected_editable(world, user_index, client_index)
            assert Client.objects.get(pk=client.pk).email == "new@example.cz"
        transaction.set_rollback(True)
