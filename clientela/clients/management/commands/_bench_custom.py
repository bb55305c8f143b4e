"""The benchmark's custom-field part: filter and sort by a custom field at N, and their insert cost.

Kept apart from _bench.py (which calls ``measure_custom_fields`` once, after the pages): the
seeded rows get a dropdown and a number custom value (an untimed UPDATE, then the fields are
defined, which builds their expression indexes), the list's first page filtered and sorted by
them is timed through the selector (as the list and the API run it) and as the raw SQL, and the
service's bulk insert is timed without and then with 10 custom fields on the same run.
"""

import io
import random
import statistics
import time
from typing import Any

from django.core.management import call_command
from django.db import connection

from clientela.clients import custom_list
from clientela.clients import field_services as fs
from clientela.clients.fields import FieldDefinition, FieldType
from clientela.clients.models import Client
from clientela.clients.selectors import ClientFilters, client_list, client_ordering
from clientela.clients.services import client_bulk_create
from clientela.core.pagination import keyset_page

TIERS = ["tier1", "tier2", "tier3", "tier4"]
TARGET_P95_MS = 50.0
INSERT_ROWS = 5_000
INSERT_TARGET_RATIO = 1.3
INSERT_ROUNDS = 5


def _fill_values() -> None:
    """Give every seeded client a tier (of four) and a staff number (0 to 999): one UPDATE, untimed."""
    table = Client._meta.db_table
    tier = "CASE id % 4 WHEN 0 THEN 'tier1' WHEN 1 THEN 'tier2' WHEN 2 THEN 'tier3' ELSE 'tier4' END"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} SET custom_fields = jsonb_build_object('bench_tier', {tier}, 'bench_staff', id % 1000)"
            )
        else:
            cursor.execute(
                f"UPDATE {table} SET custom_fields = json_object('bench_tier', {tier}, 'bench_staff', id % 1000)"
            )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 2)


def _time_page(user: Any, filters: ClientFilters, repeat: int) -> dict[str, Any]:
    """p50/p95 of the first page through the selector, and of the same SQL run raw."""
    size = 50
    selector_ms, raw_ms = [], []
    sql = ""
    for _round in range(repeat):
        began = time.perf_counter()
        queryset = client_list(user=user, filters=filters)
        page = keyset_page(queryset, ordering=client_ordering(filters.sort), size=size)
        selector_ms.append((time.perf_counter() - began) * 1000)
        rows = queryset.order_by(*client_ordering(filters.sort))[: size + 1]
        sql, params = rows.query.sql_with_params()
        with connection.cursor() as cursor:
            began = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            raw_ms.append((time.perf_counter() - began) * 1000)
    p95 = _percentile(selector_ms, 0.95)
    return {
        "rows": len(page.items),
        "p50_ms": _percentile(selector_ms, 0.5),
        "p95_ms": p95,
        "raw_p50_ms": _percentile(raw_ms, 0.5),
        "raw_p95_ms": _percentile(raw_ms, 0.95),
        "target_p95_ms": TARGET_P95_MS,
        "met": p95 <= TARGET_P95_MS,
    }


def _insert_rate(admin: Any, rows: list[dict[str, Any]]) -> float:
    first = (Client.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    began = time.perf_counter()
    client_bulk_create(user=admin, rows=rows)
    seconds = time.perf_counter() - began
    # The measuring rows go again: the register stays as seeded.
    Client.history.model.objects.filter(id__gte=first).delete()
    Client.objects.filter(id__gte=first).delete()
    return len(rows) / seconds


_TEN_FIELDS = [
    ("bench_code", FieldType.TEXT, lambda n: f"C-{n}"),
    ("bench_note", FieldType.LONG_TEXT, lambda n: f"Note {n}"),
    ("bench_count", FieldType.INTEGER, lambda n: n % 500),
    ("bench_amount", FieldType.DECIMAL, lambda n: f"{n % 1000}.25"),
    ("bench_since", FieldType.DATE, lambda n: f"20{10 + n % 15}-0{1 + n % 9}-1{n % 9}"),
    ("bench_flag", FieldType.BOOLEAN, lambda n: n % 2 == 0),
    ("bench_mail", FieldType.EMAIL, lambda n: f"c{n}@example.com"),
    ("bench_web", FieldType.URL, lambda n: f"https://c{n}.example.com"),
    ("bench_size", FieldType.CHOICE, lambda n: TIERS[n % 4]),
    ("bench_topics", FieldType.MULTI_CHOICE, lambda n: TIERS[: 1 + n % 3]),
]


def _field(admin: Any, name: str, field_type: str, label: str, options: list[dict[str, Any]]) -> FieldDefinition:
    """The benchmark's custom field: created on the first run, enabled again on a kept register (``--reuse``)."""
    existing = FieldDefinition.objects.filter(record_type="client", name=name).first()
    if existing is not None:
        return fs.field_update(actor=admin, field=existing, is_enabled=True)
    return fs.field_create(
        actor=admin, record_type="client", name=name, field_type=field_type, labels={"en": label},
        options=options if field_type in (FieldType.CHOICE, FieldType.MULTI_CHOICE) else (),
    )  # fmt: skip


def _enable(admin: Any, fields: list[FieldDefinition], enabled: bool) -> None:
    for field in fields:
        fs.field_update(actor=admin, field=field, is_enabled=enabled)


def measure_custom_fields(*, admin: Any, salesperson: Any, clients: int, repeat: int, seed: int) -> dict[str, Any]:
    """Filter and sort by a custom field at N (with its index), and the insert cost of 10 custom fields."""
    _fill_values()
    options = [{"key": key, "labels": {"en": key.title()}} for key in TIERS]
    tier = _field(admin, "bench_tier", FieldType.CHOICE, "Tier", options)
    staff = _field(admin, "bench_staff", FieldType.INTEGER, "Staff", options)
    # Every row was just rewritten: what a deployment does after such a mass update (it analyses too).
    call_command("optimize_register", stdout=io.StringIO())
    rng = random.Random(seed)
    result: dict[str, Any] = {"clients": clients}
    for label, user in (("admin", admin), ("salesperson", salesperson)):
        cases = {
            "filter_dropdown": ClientFilters(custom=[custom_list.CustomFilter(tier, "eq", rng.choice(TIERS))]),
            "filter_number_range": ClientFilters(custom=[custom_list.CustomFilter(staff, "range", (100, 120))]),
            "sort_number": ClientFilters(sort="-cf_bench_staff", custom_sort=staff),
            "filter_dropdown_sort_number": ClientFilters(
                custom=[custom_list.CustomFilter(tier, "eq", "tier2")], sort="cf_bench_staff", custom_sort=staff
            ),
        }
        result[label] = {name: _time_page(user, filters, repeat) for name, filters in cases.items()}

    # Insert rate: the same rows through client_bulk_create without and with 10 custom fields,
    # alternately, INSERT_ROUNDS times each; the medians, so that a burst of load on the machine
    # does not land on one side only.
    count = min(INSERT_ROWS, max(clients, 50))
    rows = [{"name": f"Insert {n}", "country": "CZ"} for n in range(count)]
    ten = [_field(admin, name, field_type, name, options) for name, field_type, _value in _TEN_FIELDS]
    with_custom = [
        {**row, "custom_fields": {name: value(n) for name, _type, value in _TEN_FIELDS}} for n, row in enumerate(rows)
    ]
    rates: dict[str, list[float]] = {"without": [], "with": []}
    for _round in range(INSERT_ROUNDS):
        _enable(admin, ten, False)
        rates["without"].append(_insert_rate(admin, rows))
        _enable(admin, ten, True)
        rates["with"].append(_insert_rate(admin, with_custom))
    without, with_ten = statistics.median(rates["without"]), statistics.median(rates["with"])
    ratio = round(without / with_ten, 3)
    result["insert"] = {
        "rows": count,
        "rounds": INSERT_ROUNDS,
        "without_rows_per_second": round(without),
        "with_10_custom_fields_rows_per_second": round(with_ten),
        "each_round": {side: [round(rate) for rate in values] for side, values in rates.items()},
        "slowdown": ratio,
        "target_slowdown": INSERT_TARGET_RATIO,
        "met": ratio <= INSERT_TARGET_RATIO,
    }
    # Hidden again and emptied (definitions and indexes kept): the pages measured
    # later (bench --reuse) then run the same queries as those measured before the fields existed.
    _enable(admin, [tier, staff, *ten], False)
    Client.objects.update(custom_fields={})  # untimed, like the filling (the client page reads no values then)
    return result
