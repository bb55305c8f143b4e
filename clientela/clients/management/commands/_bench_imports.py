"""The import benchmark (issue 5): a file of N new clients imported through ``manage.py import_clients``.

Measured beside the raw bulk insert of the same rows in the same run (``_bench.raw_insert``:
executemany on SQLite, COPY on PostgreSQL, into the same table with its indexes and search
triggers). The import reads the file, suggests the mapping, validates every row with the
services' cleaners, matches each row against the register by tax id, registration id, VAT id and
e-mail, writes the history and records every row's result. It runs in a child process
(the command a migration would use) so that its peak memory is its own: ``os.wait4`` reports the
child's maximum resident set size.
"""

import csv
import io
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.management import call_command
from django.db import connection, transaction

from clientela.clients.management.commands._bench import Progress, Team, raw_columns, raw_insert
from clientela.clients.management.commands._bench_data import Vocabulary, chunk_rows
from clientela.clients.models import Client
from clientela.exchange import columns as cols
from clientela.exchange.models import ImportJob, ImportRow

# Row numbers far from the seeded register's: the imported clients are new, none matches.
FIRST_ROW = 50_000_000
# The ids and the e-mail (the generated register repeats company names: a common name in a country is
# dozens of clients, which name-and-country matching would rightly refuse to choose between).
MATCH_KEYS = "tax_id,registration_id,vat_id,email"


def _file_columns() -> list[cols.Column]:
    keys = [
        "kind", "name", "tax_id", "registration_id", "vat_id", "email", "phone", "website", "billing_street",
        "billing_city", "billing_postal_code", "billing_country", "shipping_same_as_billing", "shipping_street",
        "shipping_city", "shipping_postal_code", "shipping_country", "country", "language",
    ]  # fmt: skip
    by_key = {column.key: column for column in cols.client_columns()}
    return [by_key[key] for key in keys]


def _cells(row: dict[str, Any], columns: list[cols.Column]) -> list[str]:
    return [cols.format_cell(column, row.get(column.key, "")) for column in columns]


def write_files(rows: list[dict[str, Any]], folder: Path) -> dict[str, Path]:
    """The rows as a CSV (UTF-8 with BOM, as Excel saves it) and as an XLSX, headed by the export's labels."""
    columns = _file_columns()
    paths = {"csv": folder / "clients.csv", "xlsx": folder / "clients.xlsx"}
    with paths["csv"].open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.label for column in columns])
        writer.writerows(_cells(row, columns) for row in rows)
    book = xlsxwriter.Workbook(str(paths["xlsx"]), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet("Clients")
    sheet.write_row(0, 0, [column.label for column in columns])
    for number, row in enumerate(rows, start=1):
        for index, text in enumerate(_cells(row, columns)):
            sheet.write_string(number, index, text)
    book.close()
    return paths


def _delete_from(first_id: int) -> None:
    """Remove the clients from ``first_id`` on (and their history), so the next pass starts from the same register."""
    table = connection.ops.quote_name(Client._meta.db_table)
    history = connection.ops.quote_name(Client.history.model._meta.db_table)
    rows = connection.ops.quote_name(ImportRow._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {rows} SET client_id = NULL WHERE client_id >= %s", [first_id])
        cursor.execute(f"DELETE FROM {history} WHERE id >= %s", [first_id])
        cursor.execute(f"DELETE FROM {table} WHERE id >= %s", [first_id])


def _next_id() -> int:
    return (Client.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


# Run by the child process: the command, then the child's own peak memory (VmHWM; ru_maxrss would
# carry the parent's peak over the fork).
_IMPORT_CHILD = (
    "import json, sys, django; django.setup(); "
    "from django.core.management import call_command; "
    "from clientela.clients.management.commands._bench import _process_memory_mb; "
    "call_command('import_clients', sys.argv[1], '--user', sys.argv[2], '--match', sys.argv[3]); "
    "print(json.dumps({'peak_rss_mb': _process_memory_mb('VmHWM')}))"
)


def _import(path: Path, user: str) -> dict[str, Any]:
    """One ``import_clients`` run: its rows/s (the import's own clock) and peak memory.

    In a child process when one can open the database (its peak memory is then its own); in this
    process for an in-memory test database, with tracemalloc's peak of Python's allocations.
    """
    from clientela.clients.management.commands._bench import _database_url, run_child

    url = _database_url()
    began = time.perf_counter()
    if url is None:
        tracemalloc.start()
        call_command("import_clients", str(path), "--user", user, "--match", MATCH_KEYS, stdout=io.StringIO())
        peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024
        tracemalloc.stop()
        method = "tracemalloc peak (in-memory database)"
    else:
        peak = run_child(_IMPORT_CHILD, [str(path), user, MATCH_KEYS], database_url=url)["peak_rss_mb"]
        method = "child process peak RSS"
    wall = time.perf_counter() - began
    job = ImportJob.objects.order_by("-id").first()
    assert job is not None
    job.file.delete(save=False)
    return {
        "rows": job.processed_rows,
        "created": job.created_count,
        "rejected": job.rejected_count,
        "seconds": round(job.seconds, 2),
        "rows_per_second": round(job.processed_rows / job.seconds) if job.seconds else 0,
        "wall_seconds": round(wall, 2),  # with the process's start, Django's set-up and the file's upload
        "peak_mb": round(peak, 1),
        "memory_method": method,
    }


def measure_imports(*, team: Team, rows: int, seed: int, progress: Progress) -> dict[str, Any]:
    """Raw insert, then the CSV import, then the XLSX import of the same ``rows`` new clients."""
    data = chunk_rows(Vocabulary(seed), seed=seed, start=FIRST_ROW, count=rows)
    first_id = _next_id()
    prepared = raw_columns(data, [team.admin] * rows, team.admin)
    began = time.perf_counter()
    raw_insert(prepared)
    raw_seconds = time.perf_counter() - began
    del prepared
    _delete_from(first_id)
    raw = {"rows": rows, "seconds": round(raw_seconds, 3), "rows_per_second": round(rows / raw_seconds)}
    progress(f"  raw insert of {rows:,} rows: {raw['rows_per_second']:,} rows/s")
    report: dict[str, Any] = {"rows": rows, "raw": raw, "match_keys": MATCH_KEYS.split(",")}
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(data, Path(folder))
        report["file_mb"] = {name: round(path.stat().st_size / 1024 / 1024, 1) for name, path in paths.items()}
        for name, path in paths.items():
            first_id = _next_id()
            result = _import(path, team.admin.username)
            result["ratio_to_raw"] = round(result["rows_per_second"] / raw["rows_per_second"], 3)
            report[name] = result
            progress(
                f"  {name} import: {result['rows_per_second']:,} rows/s ({result['ratio_to_raw']:.1%} of raw), "
                f"peak {result['peak_mb']} MB"
            )
            _delete_from(first_id)
    return report


IMPORT_TARGET_SHARE_OF_RAW = 0.10  # of the raw insert's rate, on SQLite (issue 5)
IMPORT_TARGET_PEAK_MB = 300


def import_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The import's targets: a tenth of the raw insert's rate (SQLite) and its peak memory, for each file type."""
    imports = report.get("imports")
    if not imports:
        return []
    applies = imports["rows"] >= 100_000
    result = []
    for name in ("csv", "xlsx"):
        run = imports[name]
        if report["database"]["vendor"] == "sqlite":
            result.append(
                {
                    "target": f"{name.upper()} import >= {IMPORT_TARGET_SHARE_OF_RAW:.0%} of the raw insert's rate",
                    "value": run["ratio_to_raw"],
                    "met": run["ratio_to_raw"] >= IMPORT_TARGET_SHARE_OF_RAW,
                    "applies": applies,
                }
            )
        result.append(
            {
                "target": f"{name.upper()} import peak memory < {IMPORT_TARGET_PEAK_MB} MB",
                "value": run["peak_mb"],
                "met": run["peak_mb"] < IMPORT_TARGET_PEAK_MB,
                "applies": applies,
            }
        )
    return result
