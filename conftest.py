"""Shared fixtures: the actors of the permission tests, and CI's rule that a skipped test fails."""

import os
from collections.abc import Iterator

import pytest
from django.utils import translation

from clientela.accounts.models import User
from clientela.accounts.services import user_create
from clientela.clients.tests.factories import make_client, make_group


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI nothing may be skipped: a test that needs a missing service must fail, not vanish.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") == "true" and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI=true: {len(reporter.stats['skipped'])} skipped test(s) count as failures.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    # A request made in a language (its cookie) leaves that language active in the thread, as
    # LocaleMiddleware never switches back; the next test's messages would come out in it.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _content_types_cached(request: pytest.FixtureRequest) -> None:
    # Visibility looks up content types once per process and caches them; load them up front so
    # that the query counts a test asserts do not depend on which test happened to run first.
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from django.contrib.contenttypes.models import ContentType

    from clientela.clients.models import Client, Contact

    ContentType.objects.get_for_models(Client, Contact)


@pytest.fixture
def carol(db) -> User:
    """Alice's manager."""
    return user_create(username="carol", password=PASSWORD, first_name="Carol", last_name="Manager")


@pytest.fixture
def alice(carol) -> User:
    """The owner of the records under test."""
    return user_create(username="alice", password=PASSWORD, first_name="Alice", last_name="Owner", manager=carol)


@pytest.fixture
def bob(alice) -> User:
    """Alice's subordinate."""
    return user_create(username="bob", password=PASSWORD, first_name="Bob", last_name="Junior", manager=alice)


@pytest.fixture
def dave(db) -> User:
    """Unrelated to alice: sees none of her records."""
    return user_create(username="dave", password=PASSWORD, first_name="Dave", last_name="Elsewhere")


@pytest.fixture
def admin_user(db) -> User:
    return user_create(username="admin", password=PASSWORD, is_admin=True)


@pytest.fixture
def group(alice):
    return make_group(user=alice, name="Wholesale", description="Buy by the pallet")


@pytest.fixture
def alice_client(alice, group):
    """A Czech company owned by alice, in the Wholesale group."""
    return make_client(
        user=alice,
        name="Modrá Vlna s.r.o.",
        country="CZ",
        registration_id="27168352",
        vat_id="CZ27168352",
        email="info@modravlna.cz",
        phone="+420 601 123 456",
        billing_street="Kounicova 684/12a",
        billing_city="Brno",
        billing_postal_code="602 00",
        billing_country="CZ",
        groups=[group],
    )


@pytest.fixture
def bob_client(alice, bob):
    """Owned by bob, alice's subordinate."""
    return make_client(user=alice, owner=bob, name="Țesătoria Argeș SRL", country="RO", tax_id="RO18547290")


@pytest.fixture
def unhashed_static_files(settings):
    """Templates name static files: serve them unhashed, as tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
