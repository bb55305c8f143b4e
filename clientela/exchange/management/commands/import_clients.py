"""``manage.py import_clients FILE``: a large migration from another system, run in this process.

The same services as the wizard and the API: the file is read the same way, the mapping is
suggested from the headers when none is named (and printed, so it can be checked with
``--dry-run`` first), every row is validated and recorded in the history, and the import shows up
in the user's list of imports, where it can be reverted.
"""

import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from clientela.accounts.models import User
from clientela.core.errors import DomainError
from clientela.exchange import columns as cols
from clientela.exchange import selectors, services
from clientela.exchange.models import EmptyCells, ImportMode, RowOutcome
from clientela.exchange.readers import ImportFileError


class Command(BaseCommand):
    help = "Import clients from a CSV, XLSX or vCard file; prints the mapping and a summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", help="Who imports (owns what is created). Default: the only administrator.")
        parser.add_argument(
            "--mapping", help="The name of a saved column mapping; suggested from the headers if not given."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check every row and report; change nothing.")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.UPSERT)
        parser.add_argument(
            "--match",
            default="",
            help="Match keys in order, comma-separated (default: id, tax_id, registration_id, vat_id, name_country).",
        )
        parser.add_argument("--empty-cells", choices=EmptyCells.values, default=EmptyCells.KEEP)
        parser.add_argument("--all-or-nothing", action="store_true", help="Import nothing if any row is rejected.")
        parser.add_argument("--encoding", default="")
        parser.add_argument("--delimiter", default="")
        parser.add_argument("--sheet", default="")
        parser.add_argument("--header-row", type=int, help="1-based; detected when not given.")
        parser.add_argument(
            "--max-size", type=int, help="The largest file taken, in MB (default: CLIENTELA_IMPORT_MAX_MB)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        with translation.override(user.language or "en"):
            self._import(user, path, options)

    def _user(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"No active user {username!r}.")
            return user
        admins = [u for u in User.objects.filter(is_active=True) if u.is_admin]
        if len(admins) != 1:
            raise CommandError("Name the importing user with --user (there is not exactly one administrator).")
        return admins[0]

    def _import(self, user: User, path: Path, options: dict[str, Any]) -> None:
        max_bytes = options["max_size"] * 1024 * 1024 if options["max_size"] else None
        try:
            with path.open("rb") as handle:
                job = services.import_upload(user=user, file=handle, filename=path.name, max_bytes=max_bytes)
            if options["encoding"] or options["delimiter"] or options["sheet"] or options["header_row"]:
                job = services.import_read_settings(
                    job=job, user=user, encoding=options["encoding"], delimiter=options["delimiter"],
                    sheet=options["sheet"], header_row=options["header_row"] - 1 if options["header_row"] else None,
                )  # fmt: skip
            mapping = job.mapping
            if options["mapping"]:
                saved = selectors.mapping_list().filter(name__iexact=options["mapping"]).first()
                if saved is None:
                    raise CommandError(f"No saved mapping named {options['mapping']!r}.")
                mapping = services.applied_mapping(saved, job.headers, fallback=[])
            match = [key.strip() for key in options["match"].split(",") if key.strip()] or job.match_keys
            services.import_set_options(
                job=job, user=user, mapping=mapping, match_keys=match, mode=options["mode"],
                empty_cells=options["empty_cells"], all_or_nothing=options["all_or_nothing"],
            )  # fmt: skip
            self._print_mapping(job.headers, mapping)
            services.import_start(job=job, user=user, dry_run=options["dry_run"], enqueue=False)
        except (ImportFileError, DomainError) as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        began = time.perf_counter()
        last = [0.0]

        def progress(done: int, counts: Any) -> None:
            if time.perf_counter() - last[0] > 2:
                last[0] = time.perf_counter()
                sys.stderr.write(f"  {done:,} rows…\n")

        result = services.import_execute(job.pk, on_progress=progress)
        if result is None:
            raise CommandError("The import was not run (it is not queued).")
        seconds = time.perf_counter() - began
        self._print_summary(result, seconds, dry_run=options["dry_run"])
        if result.status == "failed":
            raise CommandError(result.error)

    def _print_mapping(self, headers: list[str], mapping: list[str]) -> None:
        labels = {column.key: column.label for column in cols.client_columns()}
        self.stdout.write("Columns:")
        for header, key in zip(headers, mapping, strict=False):
            self.stdout.write(f"  {header or '—'} → {labels.get(key, key) if key else '(not imported)'}")

    def _print_summary(self, job: Any, seconds: float, *, dry_run: bool) -> None:
        verb = "would be " if dry_run else ""
        rate = job.processed_rows / seconds if seconds else 0
        self.stdout.write(
            f"Import #{job.pk} ({'dry run' if dry_run else 'done'}): {job.processed_rows:,} rows in {seconds:.1f} s "
            f"({rate:,.0f} rows/s): {job.created_count:,} {verb}created, {job.updated_count:,} {verb}updated, "
            f"{job.unchanged_count:,} unchanged, {job.skipped_count:,} skipped, {job.rejected_count:,} rejected."
        )
        for row in selectors.import_rows(job=job, outcome=RowOutcome.ERROR)[:20]:
            self.stdout.write(f"  row {row.number}: {' | '.join(row.messages)}")
        if job.rejected_count > 20:
            self.stdout.write(f"  … and {job.rejected_count - 20:,} more (see the import's page).")
