"""Client search: one folded text column per client, indexed for substring search.

The column holds the name, ids, e-mail, phone and contact names, lower-cased and without accents,
so "modra" finds "Modrá Vlna" and "601123" finds "+420 601 123 456". SQLite indexes it with an FTS5
trigram table, PostgreSQL with a pg_trgm GIN index (both created in migration 0002); terms shorter
than three characters, which trigrams cannot index, fall back to a plain scan.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from typing import TypeVar

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from clientela.core.pagination import CostlyRows, mark_costly

FTS_TABLE = "clients_client_search"
# A search reaches each match through the search index and then reads its row (status, owner, name
# for the sort): its count stops at this many rows, and its pages sort the matches' ids first
# (docs/performance.md, finding 10).
SEARCH_ROWS = CostlyRows(count_cap=1_000, ids_first=True)
# On SQLite the FTS5 index yields rowids; the matches' status, owner and name are then read from
# this narrow index led by the id rather than from the table's wide rows (docs/performance.md, finding 23).
SQLITE_ROWS_INDEX = "clients_search_rows_idx"
_QS = TypeVar("_QS", bound=QuerySet)
_ID_LIKE = re.compile(r"^[+(]?[\dA-Za-z][\dA-Za-z\s\-./()]*$")


def fold(text: str) -> str:
    """Lower-case, strip accents and width variants, collapse spaces."""
    text = text or ""
    if text.isascii():  # nothing to decompose or strip: the same result, several times faster
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def search_text(*, name: str, ids: Iterable[str], email: str, phone: str, contacts: Iterable[str]) -> str:
    parts = [name, *ids, email, phone.lstrip("+"), *contacts]
    return fold(" ".join(part for part in parts if part))


def search_terms(query: str) -> list[str]:
    """Split a query into folded terms; something that looks like an id or phone stays one term."""
    query = query.strip()
    if not query:
        return []
    if _ID_LIKE.match(query) and sum(ch.isdigit() for ch in query) >= 5:
        return [fold(re.sub(r"[\s\-./()+]", "", query))]
    return [term for term in fold(query).split() if term]


def _fts_quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def apply_search(queryset: _QS, query: str) -> _QS:
    """Narrow a client queryset to rows whose folded text contains every term of the query."""
    terms = search_terms(query)
    if not terms:
        return queryset
    indexed = [term for term in terms if len(term) >= 3]
    short = [term for term in terms if len(term) < 3]
    rows = SEARCH_ROWS
    if indexed and connection.vendor == "sqlite":
        match = " AND ".join(_fts_quote(term) for term in indexed)
        queryset = queryset.filter(id__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]))
        if not short:  # a short term reads the search text, which only the table holds
            rows = replace(SEARCH_ROWS, sqlite_index=SQLITE_ROWS_INDEX)
    else:
        short = terms
    condition = Q()
    for term in short:
        condition &= Q(search_text__contains=term)
        if connection.vendor == "postgresql" and len(term) >= 3:
            # The same condition twice, on purpose (docs/performance.md, "Findings"). PostgreSQL
            # cannot estimate a substring match and guesses about 1 % of the table; it then walks
            # the name index until a page of matches turns up, which reads most of a million rows
            # when the matches sort late ("Suministros …") or when the user sees only a part of
            # them (seconds). The duplicate squares the guess, so it fetches the matches through
            # the trigram index and sorts them, in time proportional to their number.
            condition &= Q(search_text__contains=term)
    return mark_costly(queryset.filter(condition), rows)
