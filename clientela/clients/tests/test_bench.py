"""The benchmark's core on a tiny register: the report is complete and its counts add up (no timings asserted)."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from clientela.clients.management.commands import bench
from clientela.clients.management.commands._bench import KINDS, query_counts, remeasure, run_benchmark
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
        # Pages of 5: even the salesperson's few clients at 50 fill more than one, so that the
        # deep pages measured at 50 and at 200 clients are later pages in both runs.
        with override_settings(CLIENTELA_PAGE_SIZE=5):
            result = run_benchmark(clients=200, repeat=2, small=50, progress=lambda message: None)
            stored = Client.objects.count()
            # What `bench --reuse` does on the register the run leaves.
            reused = remeasure(repeat=2, seeding={**result, "started": "then"}, progress=lambda message: None)
        call_command("flush", interactive=False, verbosity=0)
    return result, stored, reused


def test_the_benchmark_inserts_every_row_through_both_paths(report):
    result, stored, _reused = report
    insert = result["insert"]

    assert stored == 200
    assert insert["service"]["rows"] == insert["raw"]["rows"] == 200
    assert insert["history_rows"] == 200
    assert insert["first_chunk_identical"] is True
    assert insert["first_chunk_rows"] == 50
    expected_ratio = insert["service"]["rows_per_second"] / insert["raw"]["rows_per_second"]
    assert insert["ratio"] == pytest.approx(expected_ratio, abs=1e-3)  # the report rounds it to 3 decimals


def test_the_benchmark_times_every_page_for_both_users(report):
    result, _stored, _reused = report

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
    result, _stored, _reused = report
    counts = result["query_counts"]

    assert counts["small_n"] == 50
    assert counts["n"] == 200
    assert counts["independent_of_n"] is True
    assert len(counts["pages"]) == 2 * len(KINDS)


def test_the_report_has_memory_targets_and_text(report):
    result, _stored, _reused = report
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


def test_the_benchmark_measures_the_duplicate_scan_and_the_forms_check(report):
    result, _stored, _reused = report

    for role in ("admin", "salesperson"):
        duplicates = result["duplicates"][role]
        assert duplicates["clients_scanned"] == result["pages"][role]["visible_clients"]
        assert duplicates["clients_per_second"] > 0
        # five GROUP BY queries, the names, and one for the page of groups when there are any
        assert duplicates["scan_queries"] == (7 if duplicates["groups"] else 6)
        assert duplicates["form_check"]["queries"] == [2]  # equal ids, e-mail or phone; similar names
        assert duplicates["form_check"]["mean_candidates"] >= 1  # each retyped client finds itself at least
        assert 0 < duplicates["form_check"]["p50_ms"] <= duplicates["form_check"]["p95_ms"]


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


def test_a_kept_register_is_measured_again_without_seeding(report):
    result, _stored, reused = report

    assert reused["clients"] == 200
    assert reused["reused"] == {"seeded": "then", "seeding_report": True}
    assert reused["insert"] == result["insert"]  # carried over from the run that seeded it
    assert set(reused["pages"]) == {"admin", "salesperson"}
    for role in ("admin", "salesperson"):
        assert reused["pages"][role]["visible_clients"] == result["pages"][role]["visible_clients"]
        for kind in KINDS:
            assert reused["pages"][role][kind.key]["samples"] >= 1
    assert reused["query_counts"]["small_n"] == 50
    assert reused["query_counts"]["independent_of_n"] is True
    assert "measured again on the kept database" in "\n".join(bench.format_run(reused))


def test_a_register_without_a_seeding_report_is_measured_without_insert_figures(report):
    _result, _stored, reused = report
    bare = {**reused, "insert": None, "memory": None, "reused": {"seeded": "", "seeding_report": False}}
    bare["query_counts"] = {**reused["query_counts"], "small_n": 0}
    bare["query_counts"]["pages"] = {
        key: {**value, "at_0": []} for key, value in reused["query_counts"]["pages"].items()
    }

    text = "\n".join(bench.format_run(bare))

    assert "insert   service" not in text and "ratio" not in text  # the seeding's insert figures
    assert "not measured (the seeding run left no report)" in text


def test_the_salesperson_is_measured_with_shares_against_the_admin(report):
    result, _stored, _reused = report
    shares = result["shares"]
    hierarchy = [item for item in result["targets"] if item["target"].endswith("x admin")]

    assert shares["shares"] == 2  # five per thousand of 200 clients, and at least two
    # The shared clients are now visible to the salesperson, on top of their own team's.
    assert shares["salesperson_visible"] == shares["salesperson_visible_before"] + shares["shares"]
    assert {item["target"].split()[1] for item in hierarchy} == {kind.key for kind in KINDS if kind.target}
    assert all(item["value"] > 0 for item in hierarchy)


def test_the_benchmark_filters_and_sorts_by_custom_fields_and_times_their_insert_cost(report):
    result, stored, _reused = report
    custom = result["custom_fields"]
    for role in ("admin", "salesperson"):
        assert set(custom[role]) == {
            "filter_dropdown",
            "filter_number_range",
            "sort_number",
            "filter_dropdown_sort_number",
        }
        for case in custom[role].values():
            assert case["p95_ms"] >= case["p50_ms"] > 0 and case["raw_p50_ms"] > 0
    assert custom["admin"]["sort_number"]["rows"] == 50
    assert custom["insert"]["rows"] == 200 and custom["insert"]["slowdown"] > 0
    assert [len(rates) for rates in custom["insert"]["each_round"].values()] == [5, 5]  # alternating rounds
    assert stored == 200  # the rows inserted to measure went again


def test_a_kept_register_measures_its_custom_fields_again(report):
    _result, _stored, reused = report
    custom = reused["custom_fields"]

    assert custom["admin"]["filter_dropdown"]["rows"] > 0
    assert custom["insert"]["rows"] == 200 and custom["insert"]["slowdown"] > 0


def test_the_benchmark_imports_a_csv_and_an_xlsx_file_beside_the_raw_insert(report):
    result, _stored, reused = report

    for run in (result, reused):
        imports = run["imports"]
        assert imports["raw"]["rows"] == imports["rows"] == 200
        for name in ("csv", "xlsx"):
            # Generated names repeat: a company named twice in the file is made once and updated by the other row.
            assert imports[name]["rows"] == 200
            assert imports[name]["rejected"] == 0
            assert 150 <= imports[name]["created"] <= 200
            assert imports[name]["ratio_to_raw"] == pytest.approx(
                imports[name]["rows_per_second"] / imports["raw"]["rows_per_second"], abs=1e-3
            )
            assert imports[name]["peak_mb"] > 0
    # The imported clients are removed again (test_the_benchmark_inserts_every_row_through_both_paths
    # counts 200 clients after the whole run).


def _pages(queries: int, **one: int) -> dict:
    return {
        role: {kind.key: {"queries": [one.get(f"{role}_{kind.key}", queries)]} for kind in KINDS}
        for role in ("admin", "salesperson")
    }


def test_a_page_with_fewer_queries_at_n_passes_and_one_with_more_fails():
    # A list stops counting at the cap: at a million its first reach fills it and the second is not asked.
    fewer = query_counts(_pages(9), _pages(9, salesperson_web_list=8), 1_000, 1_000_000)
    more = query_counts(_pages(9), _pages(9, admin_api_list=10), 1_000, 1_000_000)
    varying = query_counts(
        _pages(9), {**_pages(9), "admin": {**_pages(9)["admin"], "api_list": {"queries": [8, 10]}}}, 1_000, 1_000_000
    )

    assert fewer["independent_of_n"] is True
    assert fewer["pages"]["salesperson.web_list"] == {
        "at_1000": [9],
        "at_1000000": [8],
        "same": False,
        "not_more": True,
    }
    assert more["independent_of_n"] is False
    assert more["pages"]["admin.api_list"]["not_more"] is False
    assert varying["independent_of_n"] is False
