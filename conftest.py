"""Shared fixtures: the actors of the permission tests, and CI's rule that a skipped test fails."""

import os

import pytest

from clientela.accounts.models import User
from clientela.accounts.services import user_create


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI nothing may be skipped: a test that needs a missing service must fail, not vanish.
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") == "true" and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI=true: {len(reporter.stats['skipped'])} skipped test(s) count as failures.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


PASSWORD = "correct horse battery staple"


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
