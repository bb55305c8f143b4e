"""Reorganise the client register for speed; run it after a large import, and weekly at scale.

On PostgreSQL the client table is rewritten in name order (``CLUSTER`` on the name index),
vacuumed and analysed. A search reads each match's row to sort it by name; with the table in name order the
matches of a fragment that begins names ("Zahradnictví …") sit on a few neighbouring pages
instead of thousands of scattered ones, and the rewrite drops the space dead row versions left
behind (docs/performance.md, finding 16: the name search's p95 at a million clients went from
161 to 44 ms). ``CLUSTER`` locks the table while it runs (about a minute per million clients on
the benchmark machine): run it when nobody works, or use pg_repack, which does the same online.
Rows added later go to the end of the table, so the order wears off slowly; running it again
restores it.

On SQLite the rows cannot be reordered (a client's id is its place in the table); the command
merges the search index's segments (FTS5 ``optimize``) and refreshes the planner's statistics.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from clientela.clients.models import Client
from clientela.clients.search import FTS_TABLE

NAME_INDEX = "clients_status_name_idx"


class Command(BaseCommand):
    help = "Reorganise the client register for speed (PostgreSQL: in name order; SQLite: the search index)."

    def handle(self, *args: Any, **options: Any) -> None:
        table = connection.ops.quote_name(Client._meta.db_table)
        began = time.perf_counter()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                self.stdout.write(f"Rewriting {Client._meta.db_table} in name order (CLUSTER)…")
                cursor.execute(f"CLUSTER {table} USING {connection.ops.quote_name(NAME_INDEX)}")
                # VACUUM too: the rewritten table has no visibility map yet, and without one a count
                # cannot be answered from an index alone (finding 12).
                cursor.execute(f"VACUUM ANALYZE {table}")
            elif connection.vendor == "sqlite":
                self.stdout.write("Merging the search index and refreshing statistics…")
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')")
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA optimize")
        self.stdout.write(self.style.SUCCESS(f"Done in {time.perf_counter() - began:.1f} s."))
