"""The benchmark's core on a tiny register: the report is complete and its counts add up (no timings asserted)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from clientela.clients.management.commands import bench
from clientela.clients.management.commands._bench import KINDS, run_benchmark
from clientela.clients.models import Client

# The marker makes pytest-django create the test database even when this file runs alone.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def report(django_db_setup, django_db_blocker):
    # Module scope: one run serves every test below. The core empties and refills the client table
    # (TRUNCATE, VACUUM), which needs a database outside a test transaction; the flush restores it.
    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
        if not (name.startswith("test_") or "memorydb" in name):
            pytest.fail(f"Not a test database: {name}")
        result = run_benchmark(clients=200, repeat=2, small=50, progress=lambda message: None)
        stored = Client.objects.count()
        call_command("flush", interactive=False, verbosity=0)
    return result, stored


def test_the_benchmark_inserts_every_row_through_both_paths(report):
    result, stored = report
    insert = result["insert"]

    assert stored == 200
    assert insert["service"]["rows"] == insert["raw"]["rows"] == 200
    assert insert["history_rows"] == 200
    assert insert["first_chunk_identical"] is True
    assert insert["first_chunk_rows"] == 50
    expected_ratio = insert["service"]["rows_per_second"] / insert["raw"]["rows_per_second"]
    assert insert["ratio"] == pytest.approx(expected_ratio, abs=1e-3)  # the report rounds it to 3 decimals


def test_the_benchmark_times_every_page_for_both_users(report):
    result, _stored = report

    assert set(result["pages"]) == {"admin", "salesperson"}
    assert 0 < result["pages"]["salesperson"]["visible_clients"] < result["pages"]["admin"]["visible_clients"]
    for role in ("admin", "salesperson"):
        for kind in KINDS:
            page = result["pages"][role][kind.key]
            assert page["samples"] >= 1
            assert 0 < page["p50_ms"] <= page["p95_ms"] <= page["max_ms"]
            assert page["raw_p50_ms"] > 0
            assert len(page["queries"]) == 1
            if kind.term:
                assert page["mean_matches"] >= 1  # terms are drawn from rows the user can see


def test_query_counts_do_not_depend_on_the_number_of_clients(report):
    result, _stored = report
    counts = result["query_counts"]

    assert counts["small_n"] == 50
    assert counts["n"] == 200
    assert counts["independent_of_n"] is True
    assert len(counts["pages"]) == 2 * len(KINDS)


def test_the_report_has_memory_targets_and_text(report):
    result, _stored = report
    result_for_text = {
        "clients": 200,
        "repeat": 2,
        "machine": bench.machine(),
        "load_average_start": (0.0, 0.0, 0.0),
        "load_average_end": (0.0, 0.0, 0.0),
        "runs": {result["database"]["vendor"]: result},
    }

    assert result["memory"]["peak_rss_mb"] >= result["memory"]["peak_rss_mb_after_seeding"] > 0
    assert {item["met"] for item in result["targets"]} <= {True, False}
    assert all(item["applies"] is False for item in result["targets"])  # the targets are for a million clients
    assert "web_list" in bench.format_report(result_for_text)


def test_the_benchmark_never_uses_the_configured_database():
    _url, sqlite_path = bench.sqlite_url()
    configured = str(settings.DATABASES["default"]["NAME"])

    assert sqlite_path.parent.name == "bench"
    assert str(sqlite_path) != configured
    postgresql = bench.postgresql_url()
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        assert postgresql is not None
        assert postgresql[1].endswith("_bench")
        assert postgresql[1] != configured
    else:
        assert postgresql is None
