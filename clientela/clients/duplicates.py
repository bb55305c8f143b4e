"""Duplicate candidates: active clients that are likely the same company or person as another one.

Exact matches on the normalised ids (tax id and company registration id within one country, VAT
id), e-mail (ignoring case) and phone (E.164) are indexed lookups (migration 0005). Names are
normalised (folded: lower case, no accents; punctuation and legal forms such as s.r.o., GmbH or
有限公司 dropped) and scored with rapidfuzz; names whose numbers differ ("Hotel 1", "Hotel 2")
never match. Everything starts from ``visible_to(user)``: nobody is told about clients they cannot
see.

The scan of a whole register never compares every pair. Ids are grouped in SQL (GROUP BY … HAVING
COUNT(*) > 1, one query per key); names are compared only within blocks: equal normalised names,
equal sets of words ("Vlna Modrá" / "Modrá Vlna"), and a sorted neighbourhood, where each name is
compared with the next ``NAME_WINDOW`` names in alphabetical order and again with the names read
backwards, so a typo at either end of a name still puts the two side by side. That is
O(n · window) comparisons and a constant number of queries.
"""

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Count, F, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz, process

from clientela.accounts.models import User
from clientela.clients.models import Client, ClientStatus
from clientela.clients.search import FTS_TABLE, fold
from clientela.clients.validation import (
    clean_email,
    clean_phone,
    clean_registration_id,
    clean_tax_id,
    clean_vat_id,
)

NAME_THRESHOLD = 90  # rapidfuzz score (0-100) from which two normalised names count as similar
NAME_WINDOW = 16  # neighbours each name is compared with in each sorted pass of the scan
NAME_RETRIEVAL_LIMIT = 200  # rows the search index hands to the name scorer for one client
# A user who does not see the whole register gets this many times as many, of which they see a part.
NARROW_FACTOR = 5
EXACT_LIMIT = 500  # bound on rows sharing an id with one client (a shared mailbox, say)
MAX_GROUP = 50  # clients in one group of the scan, at most; and of a shared value that counts as a sign

# Why two clients look like the same one, strongest first.
TAX_ID = "tax_id"
REGISTRATION_ID = "registration_id"
VAT_ID = "vat_id"
EMAIL = "email"
PHONE = "phone"
NAME = "name"
EXACT_CODES = (TAX_ID, REGISTRATION_ID, VAT_ID, EMAIL, PHONE)
REASON_CODES = (*EXACT_CODES, NAME)
_LABELS = {
    TAX_ID: _("Same tax id"),
    REGISTRATION_ID: _("Same company registration id"),
    VAT_ID: _("Same VAT id"),
    EMAIL: _("Same e-mail"),
    PHONE: _("Same phone"),
}


# Names ---------------------------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
# Legal forms as words after folding and dropping punctuation ("S.R.O." is "s r o").
_LEGAL_FORMS = frozenset(
    {
        tuple(form.split())
        for form in (
            # Czech and Slovak
            "s r o", "sro", "spol s r o", "spol s ro", "spol sro", "a s", "as", "v o s", "vos", "k s", "o p s",
            "z s", "s p", "druzstvo", "sp", "spol",
            # Romanian
            "srl", "s r l", "sa", "s a", "snc", "scs", "pfa", "ii", "if",
            # Spanish and Catalan
            "s l", "sl", "s l u", "slu", "s a u", "sau", "s l l", "sll", "s coop", "scp", "s c p", "sc",
            # German and Austrian
            "gmbh", "ag", "kg", "gmbh co kg", "gmbh co", "ug", "ug haftungsbeschrankt", "e k", "ek", "ohg", "mbh",
            "e v", "ev",
            # Polish
            "sp z o o", "sp z oo", "sp zoo", "spolka z o o", "sp j", "sp k",
            # French and Italian
            "sarl", "sas", "sasu", "eurl", "sci", "s r l", "s p a", "spa", "s n c", "s a s",
            # English, Dutch
            "ltd", "limited", "plc", "llp", "lp", "inc", "incorporated", "llc", "corp", "corporation", "co",
            "company", "co ltd", "bv", "b v", "nv", "n v",
        )
    }
)  # fmt: skip
_FORM_LENGTHS = sorted({len(form) for form in _LEGAL_FORMS}, reverse=True)
# Romanian companies are often written "SC Name SRL" (societate comercială).
_LEADING_FORMS: tuple[tuple[str, ...], ...] = (("s", "c"), ("sc",))
_CJK_LEGAL_FORMS = sorted(
    ("股份有限公司", "有限责任公司", "有限公司", "集团股份有限公司", "责任公司", "公司"), key=len, reverse=True
)


def normalise_name(name: str) -> str:
    """A name folded, without punctuation and legal forms: "Modrá Vlna, s.r.o." is "modra vlna"."""
    words = _NON_WORD.sub(" ", fold(name)).split()
    stripped = True
    while stripped and len(words) > 1:
        stripped = False
        for length in _FORM_LENGTHS:  # longest first: "spol s r o" before "s r o"
            if length < len(words) and tuple(words[-length:]) in _LEGAL_FORMS:
                del words[-length:]
                stripped = True
                break
    for form in _LEADING_FORMS:
        if len(form) < len(words) and tuple(words[: len(form)]) == tuple(form):
            del words[: len(form)]
            break
    if words:
        last = words[-1]
        for suffix in _CJK_LEGAL_FORMS:
            if last.endswith(suffix) and len(last) > len(suffix):
                words[-1] = last[: -len(suffix)]
                break
    return " ".join(words)


def name_score(first: str, second: str) -> int:
    """How alike two normalised names are (0-100); 0 when either is empty or their numbers differ."""
    if not first or not second:
        return 0
    if first == second:
        return 100
    if _DIGITS.findall(first) != _DIGITS.findall(second):
        return 0
    return round(max(fuzz.ratio(first, second), fuzz.token_sort_ratio(first, second)))


def _sorted_words(key: str) -> str:
    return " ".join(sorted(key.split()))


# Keys ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateKeys:
    """What two clients are compared on, each normalised as it is stored (empty: not known)."""

    tax_id: tuple[str, str] | None = None  # (the country the id belongs to, the id)
    registration_id: tuple[str, str] | None = None
    vat_id: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""

    def without(self, other: "DuplicateKeys") -> "DuplicateKeys":
        """Only the keys that differ from ``other``'s (what an edit changed)."""
        return DuplicateKeys(
            **{code: value if value != getattr(other, code) else _EMPTY[code] for code, value in self._values()}
        )

    def _values(self) -> Iterable[tuple[str, Any]]:
        return ((code, getattr(self, code)) for code in REASON_CODES)

    def is_empty(self) -> bool:
        return all(value in (None, "") for _code, value in self._values())


_EMPTY: dict[str, Any] = {code: DuplicateKeys.__dataclass_fields__[code].default for code in REASON_CODES}


def _scoped(country: str, number: str) -> tuple[str, str] | None:
    return (country, number) if number else None


def client_keys(client: Client) -> DuplicateKeys:
    """The keys of a stored client (its values are stored normalised)."""
    id_country = client.billing_country or client.country
    return DuplicateKeys(
        tax_id=_scoped(id_country, client.tax_id),
        registration_id=_scoped(id_country, client.registration_id),
        vat_id=client.vat_id,
        email=client.email.lower(),
        phone=client.phone,
        name=normalise_name(client.name),
    )


def _tolerant(clean: Any, *args: Any) -> str:
    # A value the service will refuse cannot match a stored one: it is simply left out here.
    try:
        return str(clean(*args))
    except ValidationError:
        return ""


def values_keys(values: Mapping[str, Any]) -> DuplicateKeys:
    """The keys of a client's values as typed in a form or sent to the API, normalised as the service would."""
    country = str(values.get("country") or "").strip().upper()
    id_country = str(values.get("billing_country") or "").strip().upper() or country
    return DuplicateKeys(
        tax_id=_scoped(id_country, _tolerant(clean_tax_id, values.get("tax_id") or "", id_country)),
        registration_id=_scoped(
            id_country, _tolerant(clean_registration_id, values.get("registration_id") or "", id_country)
        ),
        vat_id=_tolerant(clean_vat_id, values.get("vat_id") or "", id_country),
        email=_tolerant(clean_email, values.get("email") or "").lower(),
        phone=_tolerant(clean_phone, values.get("phone") or "", id_country),
        name=normalise_name(str(values.get("name") or "")),
    )


# Results ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchReason:
    """One reason two clients look alike; ``score`` is 100 for equal ids, the similarity for names."""

    code: str
    score: int = 100

    @property
    def label(self) -> str:
        if self.code == NAME:
            return str(_("Similar name %(score)d %%") % {"score": self.score})
        return str(_LABELS[self.code])

    def __str__(self) -> str:
        return self.label


def _ordered(reasons: Iterable[MatchReason]) -> list[MatchReason]:
    return sorted(reasons, key=lambda reason: REASON_CODES.index(reason.code))


def _strength(reasons: list[MatchReason]) -> tuple[int, int]:
    """Sort key: more equal ids first, then the more similar name."""
    exact = sum(1 for reason in reasons if reason.code != NAME)
    return exact, max((reason.score for reason in reasons if reason.code == NAME), default=0)


@dataclass
class DuplicateCandidate:
    """A client that looks like the one being entered or viewed, and why."""

    client: Client
    reasons: list[MatchReason]

    @property
    def score(self) -> int:
        return max(reason.score for reason in self.reasons)


@dataclass
class DuplicateGroup:
    """Clients of the register that look like one another (two or more), and why."""

    ids: list[int]
    reasons: list[MatchReason]
    clients: list[Client] = field(default_factory=list)  # filled for the page being shown


@dataclass
class DuplicateScan:
    """The result of scanning the register: one page of groups and what the scan covered."""

    groups: list[DuplicateGroup]
    total_groups: int
    clients_scanned: int
    seconds: float
    offset: int = 0
    limit: int = 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.groups) < self.total_groups


# One client's candidates -----------------------------------------------------------------------------


def _active(clients: QuerySet[Client]) -> QuerySet[Client]:
    return clients.filter(status=ClientStatus.ACTIVE)


def _register(user: User) -> QuerySet[Client]:
    """The clients a duplicate can be among: visible to the user and active."""
    return _active(Client.objects.visible_to(user))


def _id_country() -> Coalesce:
    return Coalesce(NullIf(F("billing_country"), Value("")), F("country"))


def _name_terms(key: str) -> list[str]:
    """Words of a normalised name the trigram index can look up (three characters or more)."""
    terms: list[str] = []
    for word in key.split():
        if len(word) > 4 and any("\u2e80" <= ch <= "\u9fff" for ch in word):
            # Chinese names are one run of characters: look up its overlapping three-character pieces.
            terms += [word[i : i + 3] for i in range(len(word) - 2)]
        elif len(word) >= 3:
            terms.append(word)
    return list(dict.fromkeys(terms))


def _similar_name_condition(key: str, limit: int) -> Q | None:
    """The ``limit`` clients whose folded text looks most like the name, as an indexable condition.

    It uses the search index of migration 0002: on SQLite the FTS5 trigram table, asked for any of
    the name's words and ranked by bm25 (rarer words and more of them first); on PostgreSQL pg_trgm's
    word similarity (the indexed ``<%`` operator), ranked by it. rapidfuzz then decides.

    The look-up ranks the whole register, not only what the user sees: restricting it to the user's
    clients inside the index look-up means building the set of their ids on every check, which was
    most of its time (docs/performance.md, finding 14). The caller applies visibility to the result,
    so a user who does not see everything asks for more rows (``limit``).
    """
    if connection.vendor == "sqlite":
        terms = _name_terms(key)
        if not terms:
            return None
        match = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
        # No status here: with one, SQLite reads every active client to probe the ranked ids, instead
        # of looking those ids up. The caller drops clients that are not active.
        sql = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY rank LIMIT {int(limit)}"
        return Q(id__in=RawSQL(sql, (match,)))
    if connection.vendor == "postgresql":
        if len(key) < 3:
            return None
        table = connection.ops.quote_name(str(Client._meta.db_table))
        # "= ANY(ARRAY(…))": computed once, and an index condition, so it joins the id lookups in
        # one BitmapOr (an IN subquery would make the whole OR a sequential scan).
        sql = (
            f"{table}.id = ANY(ARRAY(SELECT id FROM {table} WHERE %s <%% search_text AND status = %s "
            f"ORDER BY word_similarity(%s, search_text) DESC LIMIT {int(limit)}))"
        )
        return Q(RawSQL(sql, (key, ClientStatus.ACTIVE, key), output_field=BooleanField()))
    return None


def _exact_condition(keys: DuplicateKeys) -> Q:
    # The status in every term, so that each term is one lookup in its (status, key) index and the
    # OR becomes a union of index lookups (SQLite's multi-index OR, PostgreSQL's BitmapOr).
    active = {"status": ClientStatus.ACTIVE}
    condition = Q()
    if keys.tax_id:
        condition |= Q(tax_id=keys.tax_id[1], **active)
    if keys.registration_id:
        condition |= Q(registration_id=keys.registration_id[1], **active)
    if keys.vat_id:
        condition |= Q(vat_id=keys.vat_id, **active)
    if keys.email:
        condition |= Q(email_key=keys.email, **active)
    if keys.phone:
        condition |= Q(phone=keys.phone, **active)
    return condition


def match_reasons(first: DuplicateKeys, second: DuplicateKeys) -> list[MatchReason]:
    """Why two clients look alike (empty: they do not)."""
    reasons = [
        MatchReason(code)
        for code in EXACT_CODES
        if getattr(first, code) and getattr(first, code) == getattr(second, code)
    ]
    score = name_score(first.name, second.name)
    if score >= NAME_THRESHOLD:
        reasons.append(MatchReason(NAME, score))
    return reasons


def _candidates(*, user: User, keys: DuplicateKeys, exclude: int | None, limit: int) -> list[DuplicateCandidate]:
    if keys.is_empty():
        return []
    visible = Client.objects.visible_to(user)
    if exclude is not None:
        visible = visible.exclude(pk=exclude)
    retrieved = NAME_RETRIEVAL_LIMIT if user.is_admin else NAME_RETRIEVAL_LIMIT * NARROW_FACTOR
    conditions = [condition for condition in (_exact_condition(keys),) if condition]
    if keys.name and (similar := _similar_name_condition(keys.name, retrieved)) is not None:
        conditions.append(similar)
    # Two queries, not one with an OR: rows sharing any id (each term carries "active" itself, so
    # that the OR is a union of index lookups), and rows the name index picked. Joined by an OR,
    # SQLite gives up on the lookups and reads every active client (finding 14).
    rows: dict[int, Client] = {}
    for condition in conditions:
        found = visible.alias(email_key=Lower("email")).filter(condition).select_related("owner").order_by("id")
        rows.update((row.pk, row) for row in found[: EXACT_LIMIT + retrieved])
    candidates = []
    for row in rows.values():
        if row.status != ClientStatus.ACTIVE:
            continue
        reasons = match_reasons(keys, client_keys(row))
        if reasons:
            candidates.append(DuplicateCandidate(client=row, reasons=reasons))
    candidates.sort(key=lambda candidate: (*(-part for part in _strength(candidate.reasons)), candidate.client.pk))
    return candidates[:limit]


def duplicate_candidates(
    *, user: User, values: Mapping[str, Any], exclude: Client | None = None, limit: int = 20
) -> list[DuplicateCandidate]:
    """Active clients the user can see that look like the given values (a form's or the API's), strongest first.

    With ``exclude`` (the client being edited) that client is left out and only the keys that the
    values change are compared: an edit warns about a new likeness, not about one already there.
    """
    keys = values_keys(values)
    if exclude is not None:
        keys = keys.without(client_keys(exclude))
    return _candidates(user=user, keys=keys, exclude=exclude.pk if exclude else None, limit=limit)


def client_duplicates(*, user: User, client: Client, limit: int = 50) -> list[DuplicateCandidate]:
    """Active clients the user can see that look like this client, strongest first."""
    return _candidates(user=user, keys=client_keys(client), exclude=client.pk, limit=limit)


# The whole register ------------------------------------------------------------------------------


class _Groups:
    """Union-find over client ids, with the links (clients alike, and why) that joined them.

    A group is a connected set of links. Links chain, though: "Novák Stavby" is like "Novák
    Stavba", which is like "Nováková Stavba", and so on, and on a large register such chains join
    hundreds of thousands of clients into one "group". A set larger than ``MAX_GROUP`` is therefore
    not shown whole: each of its links is a group of its own.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.links: list[tuple[list[int], str, int]] = []  # (the clients alike, code, score)

    def find(self, item: int) -> int:
        parent = self.parent
        if item not in parent:
            parent[item] = item
            return item
        root = item
        while parent[root] != root:
            root = parent[root]
        while parent[item] != root:  # path compression
            parent[item], item = root, parent[item]
        return root

    def join(self, ids: list[int], code: str, score: int = 100) -> None:
        root = self.find(ids[0])
        for other in ids[1:]:
            other_root = self.find(other)
            if other_root != root:
                self.parent[other_root] = root
        self.links.append((ids, code, score))

    def groups(self) -> list[DuplicateGroup]:
        members: dict[int, list[int]] = {}
        for item in self.parent:
            members.setdefault(self.find(item), []).append(item)
        best: dict[int, dict[str, int]] = {}
        split: dict[tuple[int, ...], dict[str, int]] = {}
        for ids, code, score in self.links:
            root = self.find(ids[0])
            if len(members[root]) > MAX_GROUP:
                scores = split.setdefault(tuple(sorted(ids)), {})
            else:
                scores = best.setdefault(root, {})
            scores[code] = max(scores.get(code, 0), score)
        whole = [(sorted(members[root]), scores) for root, scores in best.items()]
        return [
            DuplicateGroup(ids=list(ids), reasons=_ordered(MatchReason(code, score) for code, score in scores.items()))
            for ids, scores in [*whole, *split.items()]
        ]


def _scan_exact(register: QuerySet[Client], groups: _Groups) -> None:
    """Clients sharing an id, e-mail or phone: one GROUP BY query per key, only repeated values fetched."""
    for code in EXACT_CODES:
        key = Lower("email") if code == EMAIL else F(code)
        rows = register.exclude(**{code: ""}).order_by()
        # A value shared by more than MAX_GROUP clients (a switchboard number, a placeholder address)
        # says nothing about any two of them.
        repeated = (
            rows.annotate(key=key)
            .values("key")
            .annotate(count=Count("id"))
            .filter(count__gt=1, count__lte=MAX_GROUP)
            .values("key")
        )
        scoped = code in (TAX_ID, REGISTRATION_ID)  # a tax or company id is a number within one country
        fetched = rows.annotate(key=key, bucket=_id_country() if scoped else Value("")).filter(key__in=repeated)
        buckets: dict[tuple[str, str], list[int]] = {}
        for client_id, bucket, value in fetched.values_list("id", "bucket", "key"):
            buckets.setdefault((bucket, value), []).append(client_id)
        for ids in buckets.values():
            if 1 < len(ids) <= MAX_GROUP:
                groups.join(ids, code)


def _neighbourhood_pairs(keys: list[str], window: int, start: int, stop: int) -> Iterable[tuple[int, int, float]]:
    """Pairs (i, j, score): i in [start, stop), j up to ``window`` places after i, ratio ≥ NAME_THRESHOLD."""
    for index in range(start, min(stop, len(keys))):
        key = keys[index]
        following = keys[index + 1 : index + 1 + window]
        for _choice, score, offset in process.extract(
            key, following, scorer=fuzz.ratio, processor=None, score_cutoff=NAME_THRESHOLD, limit=None
        ):
            yield index, index + 1 + offset, score


def _scan_names(rows: list[tuple[int, str]], groups: _Groups, window: int, progress: "Progress") -> None:
    """Clients with similar names, compared only within blocks (see the module's docstring)."""
    by_key: dict[str, list[int]] = {}
    cache: dict[str, str] = {}
    for client_id, name in rows:
        key = cache.get(name)
        if key is None:
            key = cache[name] = normalise_name(name)
        if len(key) >= 2:
            by_key.setdefault(key, []).append(client_id)
    # Block 1: equal normalised names (a name more than MAX_GROUP clients share is a common one,
    # not a sign of a duplicate). From here on one client stands for each name.
    for ids in by_key.values():
        if 1 < len(ids) <= MAX_GROUP:
            groups.join(ids, NAME, 100)
    keys = list(by_key)
    # Block 2: the same words in another order.
    by_words: dict[str, list[str]] = {}
    for key in keys:
        if " " in key:
            by_words.setdefault(_sorted_words(key), []).append(key)
    for same_words in by_words.values():
        if 1 < len(same_words) <= MAX_GROUP:
            groups.join([by_key[key][0] for key in same_words], NAME, 100)
    # Block 3: sorted neighbourhood, forwards and backwards (most of the scan's time: progress 40-100 %).
    step = max(1, len(keys) // 10)
    for pass_number, ordering in enumerate((sorted(keys), sorted(keys, key=lambda key: key[::-1]))):
        for start in range(0, len(ordering), step):
            for first, second, _ratio in _neighbourhood_pairs(ordering, window, start, start + step):
                score = name_score(ordering[first], ordering[second])
                if score >= NAME_THRESHOLD:
                    groups.join([by_key[ordering[first]][0], by_key[ordering[second]][0]], NAME, score)
            progress(40 + 30 * pass_number + 30 * min(start + step, len(ordering)) // len(ordering))


Progress = Callable[[int], None]  # told the share of the scan done so far, 0-100


def _no_progress(percent: int) -> None:
    pass


def find_duplicate_groups(
    *, user: User, window: int = NAME_WINDOW, progress: Progress = _no_progress
) -> tuple[list[DuplicateGroup], int]:
    """Every group of likely duplicates among the active clients the user can see, strongest first.

    Returns the groups (ids and reasons, no clients loaded) and how many clients were scanned.
    ``progress`` is called now and then with the share done (it may repeat a value).
    """
    register = _register(user)
    groups = _Groups()
    _scan_exact(register, groups)
    progress(30)
    rows = list(register.order_by().values_list("id", "name"))
    progress(40)
    _scan_names(rows, groups, window, progress)
    found = groups.groups()
    found.sort(key=lambda group: (*(-part for part in _strength(group.reasons)), -len(group.ids), group.ids[0]))
    progress(100)
    return found, len(rows)


def duplicate_scan(*, user: User, offset: int = 0, limit: int = 50, window: int = NAME_WINDOW) -> DuplicateScan:
    """Scan the register now and return one page of the groups found (the benchmark, and tests)."""
    began = time.perf_counter()
    found, scanned = find_duplicate_groups(user=user, window=window)
    return duplicate_page(
        user=user,
        page=found[offset : offset + limit],
        total_groups=len(found),
        clients_scanned=scanned,
        seconds=time.perf_counter() - began,
        offset=offset,
        limit=limit,
    )


def duplicate_page(
    *,
    user: User,
    page: list[DuplicateGroup],
    total_groups: int,
    clients_scanned: int,
    seconds: float,
    offset: int,
    limit: int,
) -> DuplicateScan:
    """One page of found groups, with their clients as they are now: only active ones the user can see.

    A group that has fewer than two such clients left (merged since the scan, say) is left out.
    """
    _load_clients(_register(user), page)
    return DuplicateScan(
        groups=[group for group in page if len(group.clients) > 1],
        total_groups=total_groups,
        clients_scanned=clients_scanned,
        seconds=seconds,
        offset=offset,
        limit=limit,
    )


# Ids per query when loading a page's clients: a page of groups can hold thousands of clients (a
# phone number shared by a whole chain), and SQLite refuses more than 32,766 parameters.
LOAD_CHUNK = 2_000


def _load_clients(register: QuerySet[Client], groups: list[DuplicateGroup]) -> None:
    """Fill each group's clients (a client that left the register since is left out)."""
    wanted = list(dict.fromkeys(client_id for group in groups for client_id in group.ids))
    clients: dict[int, Client] = {}
    for start in range(0, len(wanted), LOAD_CHUNK):
        chunk = wanted[start : start + LOAD_CHUNK]
        clients.update((client.pk, client) for client in register.filter(id__in=chunk).select_related("owner"))
    for group in groups:
        group.clients = [clients[client_id] for client_id in group.ids if client_id in clients]
