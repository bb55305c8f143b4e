"""The "find duplicates" page: a scan asked for on the page, run by the real worker (db_worker), shown a page at a time.

These tests run the database worker in process (``db_worker --batch``: every queued task, then it
stops). The worker closes stale connections between tasks, which only works outside a test
transaction, hence ``transaction=True``.
"""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clientela.clients import duplicate_scans
from clientela.clients.duplicate_scans import duplicate_scan_start, scan_register_for_duplicates
from clientela.clients.models import DuplicateScanGroup, DuplicateScanRun, DuplicateScanStatus
from clientela.clients.services import client_invalidate
from clientela.clients.tests.test_duplicates import _register
from clientela.clients.tests.test_views import as_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def view_test_settings(settings):
    """Templates name static files: serve them unhashed, as tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def run_worker() -> None:
    """What ``make run``'s worker does, until the queue is empty."""
    call_command("db_worker", "--batch", "--no-startup-delay", "--queue-name", "*", "--no-reload", "--interval", "0")


def scan(client) -> None:
    response = client.post(reverse("clients:duplicate-scan"))
    assertRedirects(response, reverse("clients:duplicates"), fetch_redirect_response=False)


def test_the_page_offers_a_scan_before_the_first_one_and_scans_nothing_by_itself(client, alice):
    _register(alice)
    as_user(client, alice)

    response = client.get(reverse("clients:duplicates"))

    assert response.status_code == 200
    assertContains(response, "The register has not been scanned yet.")
    assertContains(response, "Scan the register")
    assertNotContains(response, "Modr")
    assert not DuplicateScanRun.objects.exists()


def test_a_scan_runs_in_the_worker_and_the_page_then_lists_its_groups_with_a_merge_link(client, alice):
    clients = _register(alice)
    as_user(client, alice)

    scan(client)
    waiting = client.get(reverse("clients:duplicates"))
    run_worker()
    response = client.get(reverse("clients:duplicates"))

    assertContains(waiting, "The scan is waiting for the background worker.")
    assertContains(waiting, 'hx-get="/clients/duplicates/progress/"')
    assertNotContains(waiting, "Modr")
    a, b, c = clients["a"], clients["b"], clients["c"]
    assertContains(response, f"/clients/{a.pk}/merge/?others={b.pk}&amp;others={c.pk}")
    assertContains(response, "Same company registration id")
    assertContains(response, "2 groups of likely duplicates among 8 active clients you can see.")
    assertContains(response, "Scan again")
    assertNotContains(response, "Hotel Praha")
    assertNotContains(response, "duplicate-progress")
    run = DuplicateScanRun.objects.get()
    assert (run.status, run.progress, run.clients_scanned) == (DuplicateScanStatus.DONE, 100, 8)


def test_a_stranger_scans_only_what_they_see_and_never_sees_anothers_scan(client, alice, dave):
    _register(alice)
    duplicate_scan_start(user=alice)
    run_worker()
    as_user(client, dave)

    before = client.get(reverse("clients:duplicates"))
    scan(client)
    run_worker()
    after = client.get(reverse("clients:duplicates"))

    assertContains(before, "The register has not been scanned yet.")
    assertContains(after, "0 groups of likely duplicates among 0 active clients you can see.")
    assertContains(after, "No likely duplicates found.")
    assertNotContains(after, "Modr")
    assert DuplicateScanRun.objects.get(user=dave).total_groups == 0
    assert not DuplicateScanGroup.objects.filter(run__user=dave).exists()


def test_clients_merged_or_invalidated_after_the_scan_drop_out_of_its_groups(client, alice):
    clients = _register(alice)
    duplicate_scan_start(user=alice)
    run_worker()
    client_invalidate(user=alice, client=clients["e"])  # "Horská Energie" is left alone in its group
    client_invalidate(user=alice, client=clients["c"])
    as_user(client, alice)

    response = client.get(reverse("clients:duplicates"))

    a, b, c = clients["a"], clients["b"], clients["c"]
    assertContains(response, f"/clients/{a.pk}/merge/?others={b.pk}")
    assertNotContains(response, f"others={c.pk}")
    assertNotContains(response, "Horská Energie")
    assertNotContains(response, "Zelený Kopec")


def test_asking_twice_while_a_scan_is_under_way_queues_one_scan(client, alice):
    _register(alice)
    as_user(client, alice)

    scan(client)
    scan(client)
    run_worker()

    assert DuplicateScanRun.objects.count() == 1


def test_a_new_scan_replaces_the_last_one_and_a_lost_one_does_not_block_it(alice):
    clients = _register(alice)
    first = duplicate_scan_start(user=alice)
    run_worker()
    lost = DuplicateScanRun.objects.create(user=alice, status=DuplicateScanStatus.RUNNING)
    DuplicateScanRun.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=1))
    client_invalidate(user=alice, client=clients["e"])

    second = duplicate_scan_start(user=alice)
    run_worker()

    assert second.pk not in (first.pk, lost.pk)
    assert not DuplicateScanRun.objects.filter(pk=first.pk).exists()
    second.refresh_from_db()
    assert second.status == DuplicateScanStatus.DONE
    assert second.total_groups == 1  # "Horská Energie" has no twin left
    assert list(DuplicateScanGroup.objects.values_list("run_id", "position")) == [(second.pk, 0)]


def test_running_the_task_again_for_a_finished_scan_changes_nothing(alice):
    _register(alice)
    run = duplicate_scan_start(user=alice)
    run_worker()
    run.refresh_from_db()
    finished = (run.finished_at, run.total_groups, list(DuplicateScanGroup.objects.values_list("pk", "client_ids")))

    found = scan_register_for_duplicates.call(run.pk)

    run.refresh_from_db()
    assert found == 0
    assert (run.finished_at, run.total_groups, list(DuplicateScanGroup.objects.values_list("pk", "client_ids"))) == (
        finished
    )


def test_the_progress_fragment_polls_while_the_scan_runs_and_reloads_the_page_when_it_is_over(client, alice):
    _register(alice)
    as_user(client, alice)
    run = duplicate_scan_start(user=alice)
    DuplicateScanRun.objects.filter(pk=run.pk).update(
        status=DuplicateScanStatus.RUNNING, progress=45, started_at=timezone.now()
    )

    running = client.get(reverse("clients:duplicate-progress"), headers={"HX-Request": "true"})
    DuplicateScanRun.objects.filter(pk=run.pk).update(status=DuplicateScanStatus.QUEUED)
    run_worker()
    over = client.get(reverse("clients:duplicate-progress"), headers={"HX-Request": "true"})

    assertContains(running, "45 % done")
    assertContains(running, 'hx-trigger="every 2s"')
    assertContains(running, '<progress max="100" value="45">')
    assert over.status_code == 204
    assert over["HX-Refresh"] == "true"


def test_a_scan_that_fails_says_so_and_can_be_started_again(client, alice, monkeypatch):
    _register(alice)
    as_user(client, alice)

    def broken(**kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(duplicate_scans, "find_duplicate_groups", broken)
    scan(client)
    run_worker()
    failed = client.get(reverse("clients:duplicates"))
    monkeypatch.undo()
    scan(client)
    run_worker()
    again = client.get(reverse("clients:duplicates"))

    assertContains(failed, "The last scan failed.")
    assertNotContains(failed, "the disk is full")
    assert DuplicateScanRun.objects.filter(status=DuplicateScanStatus.DONE).count() == 1
    assertContains(again, "2 groups of likely duplicates")


def test_the_page_speaks_czech(client, alice):
    _register(alice)
    as_user(client, alice)
    client.cookies["django_language"] = "cs"

    response = client.get(reverse("clients:duplicates"))

    assertContains(response, "Prohledat evidenci")
    assertNotContains(response, "Scan the register")


def test_the_scan_needs_a_login_and_a_post(client, alice):
    assert client.post(reverse("clients:duplicate-scan")).status_code == 302
    assert as_user(client, alice).get(reverse("clients:duplicate-scan")).status_code == 405
    assert not DuplicateScanRun.objects.exists()


def test_the_duplicates_page_needs_a_login(client):
    assert client.get(reverse("clients:duplicates")).status_code == 302
    assert client.get(reverse("clients:duplicate-progress")).status_code == 302


def test_the_stored_groups_are_shown_a_page_at_a_time(client, alice, monkeypatch):
    from clientela.clients.views import duplicates as views

    monkeypatch.setattr(views, "GROUPS_PER_PAGE", 1)
    clients = _register(alice)
    duplicate_scan_start(user=alice)
    run_worker()
    as_user(client, alice)

    first = client.get(reverse("clients:duplicates"))
    second = client.get(reverse("clients:duplicates"), {"page": 2})

    assertContains(first, clients["a"].name)
    assertNotContains(first, clients["d"].name)
    assertContains(first, 'rel="next" href="?page=2"')
    assertContains(second, clients["d"].name)
    assertNotContains(second, clients["a"].name)
    assertContains(second, '<ol class="duplicate-groups" start="2">')
    assertContains(second, "2 groups of likely duplicates among 8 active clients you can see.")
