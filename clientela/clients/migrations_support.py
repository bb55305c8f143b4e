"""Database-specific search indexes, created by migration 0002 on the database in use."""

from django.db.migrations.operations.base import Operation

SQLITE_FORWARD = [
    # An external-content FTS5 table over clients_client.search_text, kept in step by triggers.
    "CREATE VIRTUAL TABLE clients_client_search USING fts5("
    "search_text, content='clients_client', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER clients_client_search_ai AFTER INSERT ON clients_client BEGIN "
    "INSERT INTO clients_client_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER clients_client_search_ad AFTER DELETE ON clients_client BEGIN "
    "INSERT INTO clients_client_search(clients_client_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER clients_client_search_au AFTER UPDATE OF search_text ON clients_client BEGIN "
    "INSERT INTO clients_client_search(clients_client_search, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO clients_client_search(rowid, search_text) VALUES (new.id, new.search_text); END",
    "INSERT INTO clients_client_search(clients_client_search) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS clients_client_search_au",
    "DROP TRIGGER IF EXISTS clients_client_search_ad",
    "DROP TRIGGER IF EXISTS clients_client_search_ai",
    "DROP TABLE IF EXISTS clients_client_search",
]
POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS clients_client_search_trgm ON clients_client USING gin (search_text gin_trgm_ops)",
]
POSTGRESQL_REVERSE = ["DROP INDEX IF EXISTS clients_client_search_trgm"]


class SearchIndex(Operation):
    """Create the substring search index of the database in use (no model state changes)."""

    reduces_to_sql = True
    reversible = True

    def state_forwards(self, app_label, state):  # type: ignore[no-untyped-def]
        pass

    def _run(self, schema_editor, statements_by_vendor):  # type: ignore[no-untyped-def]
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        self._run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD})

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        self._run(schema_editor, {"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE})

    def describe(self) -> str:
        return "Create the client search index (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL)"


class RestoreSearchTriggers(Operation):
    """Put back SQLite's search triggers after an operation that rebuilt clients_client.

    SQLite rebuilds a table for most schema changes (e.g. AddField with a default), and dropping the
    old table drops its triggers; the FTS5 table stays. This recreates the triggers and rebuilds the
    index, on the way forwards, or backwards with ``backwards=True`` (place it so that it runs after
    the rebuild in that direction). Nothing to do on PostgreSQL, whose GIN index survives.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, *, backwards: bool = False) -> None:
        self.backwards = backwards

    def deconstruct(self):  # type: ignore[no-untyped-def]
        return (self.__class__.__qualname__, [], {"backwards": True} if self.backwards else {})

    def state_forwards(self, app_label, state):  # type: ignore[no-untyped-def]
        pass

    def _restore(self, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite":
            return
        for statement in SQLITE_REVERSE[:3] + SQLITE_FORWARD[1:]:  # the triggers, then a rebuild
            schema_editor.execute(statement)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if not self.backwards:
            self._restore(schema_editor)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if self.backwards:
            self._restore(schema_editor)

    def describe(self) -> str:
        return "Restore SQLite's client search triggers after the table was rebuilt"
