"""``manage.py bench``: how fast the client register is, measured on throw-away databases.

The configured database is never touched. The command runs itself once per database in a child
process whose DATABASE_URL points at a fresh benchmark database: a SQLite file under
``var/bench/`` always, and, when DATABASE_URL names PostgreSQL, a database of the same server
called ``<name>_bench`` (dropped and created again). Each child migrates, seeds, measures and
writes its report; this process gathers them into one JSON file and prints a table.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

BENCH_SUFFIX = "_bench"


def bench_dir() -> Path:
    return Path(settings.VAR_DIR) / "bench"


def sqlite_url() -> tuple[str, Path]:
    path = bench_dir() / "clientela-bench.sqlite3"
    return f"sqlite:///{path}", path


def postgresql_url() -> tuple[str, str] | None:
    """The benchmark database's URL and name, on the configured PostgreSQL server (None without one)."""
    default = settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        return None
    name = f"{default['NAME']}{BENCH_SUFFIX}"
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    return url, name


def is_bench_database() -> bool:
    """True when the current connection is a benchmark database (the worker refuses any other)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite":
        return Path(name).resolve().parent == bench_dir().resolve()
    return name.endswith(BENCH_SUFFIX) and name != os.environ.get("CLIENTELA_BENCH_PARENT_DATABASE")


def _maintenance_connection() -> Any:
    import psycopg

    default = settings.DATABASES["default"]
    credentials: dict[str, Any] = {
        "host": default.get("HOST") or None,
        "port": default.get("PORT") or None,
        "user": default.get("USER") or None,
        "password": default.get("PASSWORD") or None,
    }
    try:
        return psycopg.connect(dbname="postgres", autocommit=True, **credentials)
    except psycopg.OperationalError:
        # Only CREATE/DROP DATABASE of the benchmark database runs on this connection.
        return psycopg.connect(dbname=str(default["NAME"]), autocommit=True, **credentials)


def recreate_postgresql(name: str, *, create: bool = True) -> None:
    from psycopg import sql

    if not name.endswith(BENCH_SUFFIX):
        raise CommandError(f"Refusing to drop {name!r}: not a benchmark database.")
    with _maintenance_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if create:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def seeding_report_path(vendor: str) -> Path:
    """Where a kept benchmark database's seeding run leaves its report, for ``--reuse`` to carry over."""
    return bench_dir() / f"{vendor}-seeded.json"


def machine() -> dict[str, Any]:
    memory = ""
    cpu = platform.processor()
    try:
        memory = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": " ".join(memory.split()[1:]),
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
    }


class Command(BaseCommand):
    help = "Benchmark the client register (insert rate, page times, query counts) on throw-away databases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--clients", type=int, default=100_000, help="How many clients to seed (100000).")
        parser.add_argument("--repeat", type=int, default=50, help="Samples per page kind and user (50).")
        parser.add_argument("--output", default="", help="Write the JSON report to this file.")
        parser.add_argument(
            "--database",
            choices=["all", "sqlite", "postgresql"],
            default="all",
            help="Which databases: SQLite always, PostgreSQL when DATABASE_URL names one (all).",
        )
        parser.add_argument("--keep", action="store_true", help="Keep the benchmark databases afterwards.")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure the pages again on the databases a --keep run left, without seeding (kept again).",
        )
        parser.add_argument("--seed", type=int, default=2025, help=argparse.SUPPRESS)
        parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--result-file", default="", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["clients"] < 1 or options["repeat"] < 1:
            raise CommandError("--clients and --repeat must be at least 1.")
        if options["worker"]:
            self._work(options)
            return
        report = self._run_all(options)
        text = format_report(report)
        self.stdout.write(text)
        if options["output"]:
            output = Path(options["output"])
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
            output.with_suffix(".txt").write_text(text + "\n")
            self.stdout.write(f"Report written to {output} and {output.with_suffix('.txt')}")
        if report["failed"]:
            raise CommandError(f"The benchmark failed on: {', '.join(report['failed'])}.")

    # The child: one database -------------------------------------------------------------------------

    def _work(self, options: dict[str, Any]) -> None:
        from clientela.clients.management.commands._bench import run_benchmark

        if not is_bench_database():
            raise CommandError(f"Refusing to benchmark {connection.settings_dict['NAME']}: not a benchmark database.")
        began = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrate_seconds = round(time.perf_counter() - began, 1)

        def progress(message: str) -> None:
            self.stderr.write(f"[{connection.vendor}] {message}")
            self.stderr.flush()

        if options["reuse"]:
            from clientela.clients.management.commands._bench import remeasure

            seeding_file = seeding_report_path(connection.vendor)
            seeding = json.loads(seeding_file.read_text()) if seeding_file.exists() else None
            report = remeasure(repeat=options["repeat"], seeding=seeding, seed=options["seed"], progress=progress)
        else:
            report = run_benchmark(
                clients=options["clients"], repeat=options["repeat"], seed=options["seed"], progress=progress
            )
        report["stage_seconds"]["migrate"] = migrate_seconds
        Path(options["result_file"]).write_text(json.dumps(report))

    # The parent: every database ------------------------------------------------------------------

    def _run_all(self, options: dict[str, Any]) -> dict[str, Any]:
        bench_dir().mkdir(parents=True, exist_ok=True)
        # The pages are rendered as in production, with hashed static file names: as `make setup` does.
        call_command("collectstatic", interactive=False, verbosity=0)
        plans: list[tuple[str, str, Any]] = []
        if options["database"] in ("all", "sqlite"):
            url, path = sqlite_url()
            plans.append(("sqlite", url, path))
        pg = postgresql_url()
        if options["database"] in ("all", "postgresql"):
            if pg:
                plans.append(("postgresql", pg[0], pg[1]))
            elif options["database"] == "postgresql":
                raise CommandError("DATABASE_URL does not name a PostgreSQL database.")
        report: dict[str, Any] = {
            "clients": options["clients"],
            "repeat": options["repeat"],
            "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "machine": machine(),
            "load_average_start": os.getloadavg(),
            "runs": {},
        }
        report["failed"] = {}
        reuse = options["reuse"]
        for vendor, url, where in plans:
            for attempt in (1, 2):
                if reuse:
                    self.stderr.write(f"Measuring the kept benchmark database on {vendor} ({where}) again…")
                else:
                    self.stderr.write(f"Benchmarking {options['clients']:,} clients on {vendor} ({where})…")
                try:
                    if reuse:
                        if vendor == "sqlite" and not Path(where).exists():
                            raise CommandError(f"There is no kept benchmark database {where}: run with --keep first.")
                    elif vendor == "sqlite":
                        remove_sqlite(where)
                    else:
                        recreate_postgresql(where)
                    run = self._child(url, options)
                    report["runs"][vendor] = {**run, "attempt": attempt}
                    report["failed"].pop(vendor, None)
                    if options["keep"] and not reuse:
                        # What --reuse carries over: the insert figures and the query counts at 1,000.
                        seeding_report_path(vendor).write_text(
                            json.dumps({**run, "started": report["started"]}, ensure_ascii=False)
                        )
                    break
                except Exception as error:  # one database failing must not lose the other's figures
                    report["failed"][vendor] = str(error)
                    self.stderr.write(f"The {vendor} run failed: {error}")
                    if attempt == 1:
                        # A database server restarted under the run is the usual cause: try once more.
                        self.stderr.write("Trying once more in 30 seconds…")
                        time.sleep(30)
                finally:
                    if not (options["keep"] or reuse):
                        self._remove(vendor, where)
        if reuse and report["runs"]:
            # The kept register's size, not --clients: nothing was seeded.
            report["clients"] = max(run["clients"] for run in report["runs"].values())
        report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
        report["load_average_end"] = os.getloadavg()
        return report

    def _remove(self, vendor: str, where: Any) -> None:
        seeding_report_path(vendor).unlink(missing_ok=True)
        try:
            if vendor == "sqlite":
                remove_sqlite(where)
            else:
                recreate_postgresql(where, create=False)
        except Exception as error:  # the figures matter more than the clean-up
            self.stderr.write(f"Could not remove the benchmark database {where}: {error}")

    def _child(self, url: str, options: dict[str, Any]) -> dict[str, Any]:
        environment = {
            **os.environ,
            "DATABASE_URL": url,
            "CLIENTELA_BENCH_PARENT_DATABASE": str(settings.DATABASES["default"]["NAME"]),
        }
        with tempfile.NamedTemporaryFile(suffix=".json", dir=bench_dir()) as result:
            command = [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "bench",
                "--worker",
                f"--clients={options['clients']}",
                f"--repeat={options['repeat']}",
                f"--seed={options['seed']}",
                f"--result-file={result.name}",
                *(["--reuse"] if options["reuse"] else []),
            ]
            completed = subprocess.run(command, env=environment, check=False)
            if completed.returncode != 0:
                raise CommandError(f"The benchmark of {url.split('@')[-1]} failed (exit code {completed.returncode}).")
            return json.loads(Path(result.name).read_text())


# The text report ----------------------------------------------------------------------------------


def _queries(values: list[int]) -> str:
    return "/".join(str(value) for value in values) or "-"


def format_run(run: dict[str, Any]) -> list[str]:
    from clientela.clients.management.commands._bench import KINDS, TARGET_CLIENTS, TARGET_MS

    database = run["database"]
    insert = run["insert"]
    small, n = run["query_counts"]["small_n"], run["clients"]
    lines = [
        "",
        f"{database['vendor']} {database['version']} — {n:,} clients, {run['repeat']} samples per page and user",
    ]
    if "reused" in run:
        seeded = run["reused"]["seeded"]
        lines.append(
            f"  pages measured again on the kept database seeded by the run of {seeded} (--reuse)"
            if seeded
            else "  pages measured again on a kept database (--reuse); its seeding run left no report"
        )
    if insert:
        lines += [
            f"  insert   service {insert['service']['rows_per_second']:>9,} rows/s "
            f"({insert['service']['seconds']:,.1f} s, {insert['service']['method'].rsplit('.', 1)[-1]}, "
            "validation + history)",
            f"           raw     {insert['raw']['rows_per_second']:>9,} rows/s ({insert['raw']['seconds']:,.1f} s, "
            f"{insert['raw']['method']} of the normalised rows)",
            f"           ratio   {insert['ratio']:.3f} (service / raw); first {insert['first_chunk_rows']:,} rows "
            f"identical: {'yes' if insert['first_chunk_identical'] else 'NO'}"
            + (" (from the seeding run)" if "reused" in run else ""),
        ]
    if run["memory"]:
        lines.append(
            f"  memory   peak RSS {run['memory']['peak_rss_mb_after_seeding']:,} MB after seeding, "
            f"{run['memory']['peak_rss_mb']:,} MB at the end; connect {run['connect_ms']} ms"
        )
    for role, scan in (run.get("duplicates") or {}).items():
        check = scan["form_check"]
        lines.append(
            f"  duplicates {role:<11} scan {scan['clients_scanned']:,} clients in {scan['scan_seconds']:,.1f} s "
            f"({scan['clients_per_second'] or 0:,}/s, {scan['scan_queries']} queries, {scan['groups']:,} groups); "
            f"form check p50 {check['p50_ms']} ms, p95 {check['p95_ms']} ms"
        )
    custom = run.get("custom_fields") or {}
    for role in ("admin", "salesperson"):
        for case, page in (custom.get(role) or {}).items():
            lines.append(
                f"  custom   {role:<11} {case:<28} p50 {page['p50_ms']:7.1f}  p95 {page['p95_ms']:7.1f} ms  "
                f"(raw {page['raw_p50_ms']:.1f} / {page['raw_p95_ms']:.1f})  p95 <= {page['target_p95_ms']:g} ms "
                f"{'PASS' if page['met'] else 'MISS'}"
            )
    if custom.get("insert"):
        insert = custom["insert"]
        lines.append(
            f"  custom   insert of {insert['rows']:,} rows: {insert['without_rows_per_second']:,} rows/s without, "
            f"{insert['with_10_custom_fields_rows_per_second']:,} with 10 custom fields: {insert['slowdown']}x slower "
            f"(target <= {insert['target_slowdown']}x) {'PASS' if insert['met'] else 'MISS'}"
        )
    if run.get("export"):
        export = run["export"]
        memory = export["memory"]
        grown = f", +{memory['growth_mb']:,} MB during it" if memory.get("growth_mb") is not None else ""
        lines.append(
            f"  export   CSV of {export['rows']:,} clients × {export['columns']} columns (admin): "
            f"{export['rows_per_second'] or 0:,} rows/s ({export['seconds']:,.2f} s); raw SELECT "
            f"{export['raw_rows_per_second'] or 0:,} rows/s (the export takes {export['ratio']}× its time); "
            f"{memory['method']} {memory['peak_mb']:,} MB{grown}"
        )
    if run.get("imports"):
        imports = run["imports"]
        raw = imports["raw"]
        for name in ("csv", "xlsx"):
            result = imports[name]
            lines.append(
                f"  import   {name.upper()} of {imports['rows']:,} new clients ({imports['file_mb'][name]} MB): "
                f"{result['rows_per_second']:,} rows/s ({result['seconds']:,.1f} s, {result['rejected']} rejected), "
                f"{result['ratio_to_raw']:.1%} of the raw insert's {raw['rows_per_second']:,} rows/s; "
                f"{result['memory_method']} {result['peak_mb']:,} MB"
            )
    if run.get("shares"):
        lines.append(
            f"  shares   {run['shares']['shares']:,} clients of other teams shared with the salesperson "
            f"(half directly, half through a team); they see {run['shares']['salesperson_visible']:,} clients"
        )
    lines += [
        "",
        f"  {'page':<20} {'user':<11} {'path':<8} {'p50':>7} {'p95':>7} {'mean':>7} {'raw p50':>8} {'raw p95':>8} "
        f"{'×p50':>6} {'×p95':>6} {'queries ' + f'{small:,}/{n:,}':>17}  p95 ≤ {TARGET_MS:g} ms",
    ]
    counts = run["query_counts"]["pages"]
    for role in ("admin", "salesperson"):
        for kind in KINDS:
            page = run["pages"][role][kind.key]
            count = counts[f"{role}.{kind.key}"]
            verdict = "PASS" if page["p95_ms"] <= TARGET_MS else "MISS"
            if not kind.target:
                verdict = "extra"
            elif n < TARGET_CLIENTS:
                verdict = f"({verdict})"
            queries = f"{_queries(count[f'at_{small}'])} / {_queries(count[f'at_{n}'])}"
            lines.append(
                f"  {kind.key:<20} {role:<11} {page['path']:<8} {page['p50_ms']:>7.1f} {page['p95_ms']:>7.1f} "
                f"{page['mean_ms']:>7.1f} {page.get('raw_p50_ms', 0):>8.2f} {page.get('raw_p95_ms', 0):>8.2f} "
                f"{page.get('ratio_p50') or 0:>6.1f} {page.get('ratio_p95') or 0:>6.1f} {queries:>17}  {verdict}"
            )
    independent = run["query_counts"]["independent_of_n"]
    if not small:
        lines.append("  query count per page independent of N: not measured (the seeding run left no report)")
    else:
        lines.append(
            f"  query count per page independent of N (no more at N than at {small:,}): "
            f"{'PASS' if independent else 'MISS'}"
        )
    if n < TARGET_CLIENTS:
        lines.append(f"  (the time targets are set for {TARGET_CLIENTS:,} clients; shown here for reference)")
    return lines


def format_report(report: dict[str, Any]) -> str:
    info = report["machine"]
    lines = [
        f"Clientela benchmark — {report['clients']:,} clients, {report['repeat']} samples per page; "
        f"{info['cpus']} CPUs ({info['cpu']}), {info['memory']}, Python {info['python']}, Django {info['django']}",
        f"load average at start {report['load_average_start'][0]:.2f}, at end {report['load_average_end'][0]:.2f}",
        "times in ms of server time (request in, response out, in process); raw = the page's main query as raw SQL",
    ]
    for run in report["runs"].values():
        lines += format_run(run)
    for vendor, error in report.get("failed", {}).items():
        lines += ["", f"{vendor}: FAILED — {error}"]
    return "\n".join(lines)
