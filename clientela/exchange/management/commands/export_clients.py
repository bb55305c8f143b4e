"""``manage.py export_clients``: the clients a user sees, as a CSV, XLSX or vCard file (backups, migrations).

It goes through the same selector and permission check as the list page's Export menu: the user's
visibility (``--user``; the only admin when there is exactly one) and their role's Export action.
The header and the words in the cells (kinds, languages, yes/no, options) are in the user's language.
"""

import time
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q
from django.utils import translation

from clientela.accounts.models import User
from clientela.clients.selectors import ClientFilters, StatusFilter
from clientela.core.errors import DomainError
from clientela.exchange import exports, vcard


class Command(BaseCommand):
    help = "Export the clients a user sees as CSV, XLSX or vCard, to FILE or to standard output."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", nargs="?", default="", help="Where to write; standard output when left out (CSV and vCard)."
        )
        parser.add_argument("--format", choices=exports.Format.VALUES, default=exports.Format.CSV)
        parser.add_argument(
            "--user",
            default="",
            help="Whose clients: what this user sees, with their Export permission. Needed unless there is "
            "exactly one admin.",
        )
        parser.add_argument(
            "--encoding",
            choices=list(exports.ENCODINGS),
            default=exports.DEFAULT_ENCODING,
            help="CSV: utf-8-sig (UTF-8 with a BOM, for Excel; the default) or another; characters cp1250, "
            "iso-8859-2 and cp1252 cannot hold are written as ? (and counted in the summary).",
        )
        parser.add_argument("--delimiter", default=",", help="CSV: , (the default), ; or tab.")
        parser.add_argument(
            "--columns",
            choices=exports.ColumnSet.VALUES,
            default=exports.ColumnSet.ALL,
            help="all (everything an import reads back; the default) or shown (the list page's columns).",
        )
        parser.add_argument(
            "--status",
            choices=StatusFilter.VALUES,
            default=StatusFilter.ACTIVE,
            help="active (the default), invalid, or all: active and invalid clients.",
        )
        parser.add_argument("--search", default="", help="Only clients the list's search finds for these words.")
        parser.add_argument("--vcard-version", choices=vcard.VERSIONS, default=vcard.DEFAULT_VERSION)

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        try:
            export_options = exports.ExportOptions(
                format=options["format"],
                encoding=options["encoding"],
                delimiter=exports.parse_delimiter(options["delimiter"]),
                column_set=options["columns"],
                vcard_version=options["vcard_version"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        target = options["file"]
        if export_options.format == exports.Format.XLSX and not target:
            raise CommandError("An XLSX file is written to a FILE, not to standard output.")
        filters = ClientFilters(search=options["search"], status=options["status"])
        began = time.perf_counter()
        with translation.override(user.language):
            try:
                export = exports.client_export(user=user, filters=filters, options=export_options)
                export.check()
                if export_options.format == exports.Format.XLSX:
                    export.write_xlsx(target)
                elif target:
                    with Path(target).open("wb") as file:
                        self._write(export, file)
                else:
                    self._write(export, self._standard_output())
            except (DomainError, ValidationError) as error:
                message = error.message if isinstance(error, DomainError) else " ".join(error.messages)
                raise CommandError(message) from None
        seconds = time.perf_counter() - began
        count = export.tally.count
        summary = (
            f"Exported {count:,} clients as {user.username} to {target or 'standard output'} "
            f"in {seconds:.1f} s ({count / seconds if seconds else 0:,.0f} rows/s)."
        )
        if export.tally.replaced:
            summary += (
                f" {export.tally.replaced:,} characters that {export_options.encoding} cannot hold were written as ?."
            )
        self.stderr.write(summary)

    def _write(self, export: exports.ClientExport, output: IO[bytes]) -> None:
        try:
            for piece in export.stream():
                output.write(piece)
        except Exception as error:
            # The file already ends with a line saying it is incomplete (see clientela.exchange.exports).
            raise CommandError(f"The export failed after {export.tally.count:,} clients: {error}") from error
        finally:
            output.flush()

    def _standard_output(self) -> IO[bytes]:
        stream: Any = self.stdout._out  # the text stream behind Django's OutputWrapper
        return stream.buffer if hasattr(stream, "buffer") else stream

    def _user(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).select_related("role").first()
            if user is None:
                raise CommandError(f"There is no active user {username!r}.")
            return user
        admins = list(
            User.objects.filter(Q(is_superuser=True) | Q(role__is_admin=True), is_active=True)
            .select_related("role")
            .order_by("username")[:2]
        )
        if len(admins) != 1:
            raise CommandError(
                "Name the user whose clients to export with --user "
                "(left out, the only admin is meant, and there is not exactly one)."
            )
        return admins[0]
