"""PostgreSQL connections: a faster text dumper for the arrays that Django's bulk inserts send.

Django sends a bulk insert on PostgreSQL as ``INSERT … SELECT * FROM UNNEST(%s::type[], …)``, one
array per column. psycopg writes a text array element by element and escapes each double quote
and backslash in an element with a regular-expression substitution, which expands its
replacement template once per character escaped. A client's custom values are a JSON object with some forty quotes, sent
twice (the client and its history row): with ten custom fields that escaping was about an eighth
of a bulk insert's time (docs/performance.md, finding 33). ``TextListDumper`` writes the same
bytes with two ``bytes.replace``; ``CoreConfig`` registers it on every new PostgreSQL connection.
"""

from collections.abc import Callable
from typing import Any

from psycopg.abc import Buffer
from psycopg.types.array import ListDumper


class TextListDumper(ListDumper):
    """psycopg's text-format list dumper, with quotes and backslashes escaped by ``bytes.replace``."""

    def _dump_list(self, obj: list[Any], tokens: list[Buffer], needs_quotes: Callable[[Buffer], object]) -> None:
        if not obj:
            tokens.append(b"{}")
            return
        dump = self.sub_dumper.dump if self.sub_dumper else self._dump_item
        delimiter = self.delimiter
        tokens.append(b"{")
        for item in obj:
            if item is None:
                tokens.append(b"NULL")
            elif isinstance(item, list):
                self._dump_list(item, tokens, needs_quotes)
            elif (dumped := dump(item)) is None:
                tokens.append(b"NULL")
            else:
                if needs_quotes(dumped):
                    dumped = b'"' + bytes(dumped).replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
                tokens.append(dumped)
            tokens.append(delimiter)
        tokens[-1] = b"}"


def register_dumpers(connection: Any) -> None:
    """A new PostgreSQL connection (Django's) writes lists with ``TextListDumper``."""
    connection.connection.adapters.register_dumper(list, TextListDumper)
