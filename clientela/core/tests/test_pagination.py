"""Keyset pages and capped counts, and the hints a costly queryset (a search) carries to them."""

import pytest
from django.db.models import Count

from clientela.clients.models import ClientGroup
from clientela.clients.tests.factories import make_group
from clientela.core.pagination import CostlyRows, capped_count, costly_rows, keyset_page, mark_costly

pytestmark = pytest.mark.django_db

ORDERING = ["name", "id"]


@pytest.fixture
def groups(alice):
    return [make_group(user=alice, name=name) for name in ("Delta", "Alfa", "Echo", "Beta", "Charlie")]


def names(page) -> list[str]:
    return [group.name for group in page.items]


def test_the_hints_travel_with_every_queryset_derived_from_the_marked_one(groups):
    hints = CostlyRows(count_cap=2, ids_first=True)
    marked = mark_costly(ClientGroup.objects.all(), hints)

    assert costly_rows(marked.filter(name__gt="A").order_by("name").prefetch_related("clients")) == hints
    assert costly_rows(ClientGroup.objects.all()) == CostlyRows()


def test_a_costly_queryset_is_counted_to_its_own_lower_cap(groups):
    marked = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=2))

    assert capped_count(marked, 10_000) == (2, True)
    assert capped_count(marked, 1) == (1, True)  # the caller's cap, when lower, still applies
    assert capped_count(ClientGroup.objects.all(), 10_000) == (5, False)


def test_parts_are_counted_one_after_another_only_as_far_as_the_cap_leaves(groups, django_assert_num_queries):
    first = ClientGroup.objects.filter(name__in=["Alfa", "Beta", "Charlie"])
    second = ClientGroup.objects.filter(name__in=["Delta", "Echo"])
    whole = ClientGroup.objects.all()

    assert capped_count(whole, 10, parts=[first, second]) == (5, False)
    assert capped_count(whole, 4, parts=[first, second]) == (4, True)
    with django_assert_num_queries(1):  # the first part alone passes the cap: the second is not counted
        assert capped_count(whole, 2, parts=[first, second]) == (2, True)
    assert capped_count(mark_costly(whole, CostlyRows(count_cap=3)), 10, parts=[first, second]) == (3, True)


@pytest.mark.parametrize("ids_first", [False, True])
def test_pages_are_the_same_whether_ids_come_first_or_not(groups, ids_first):
    queryset = mark_costly(ClientGroup.objects.prefetch_related("clients"), CostlyRows(ids_first=ids_first))

    first = keyset_page(queryset, ordering=ORDERING, size=2)
    second = keyset_page(queryset, ordering=ORDERING, size=2, after=first.next_cursor)
    third = keyset_page(queryset, ordering=ORDERING, size=2, after=second.next_cursor)
    back = keyset_page(queryset, ordering=ORDERING, size=2, before=third.previous_cursor)

    assert [names(first), names(second), names(third)] == [["Alfa", "Beta"], ["Charlie", "Delta"], ["Echo"]]
    assert third.next_cursor is None
    assert names(back) == ["Charlie", "Delta"]


def test_ids_first_keeps_the_filters_and_leaves_annotated_rows_whole(groups):
    filtered = mark_costly(ClientGroup.objects.filter(name__in=["Echo", "Alfa"]), CostlyRows(ids_first=True))
    annotated = mark_costly(ClientGroup.objects.annotate(members=Count("clients")), CostlyRows(ids_first=True))

    assert names(keyset_page(filtered, ordering=ORDERING, size=5)) == ["Alfa", "Echo"]
    assert [group.members for group in keyset_page(annotated, ordering=ORDERING, size=5).items] == [0] * 5


@pytest.mark.parametrize("cap", [1, 2, 4, 5, 6, 50])
def test_a_first_page_of_ids_sorted_first_counts_its_matches_as_capped_count_does(groups, cap):
    queryset = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=cap, ids_first=True))
    narrowed = queryset.filter(name__in=["Alfa", "Beta", "Echo", "Delta"])

    page = keyset_page(queryset, ordering=ORDERING, size=2, count_cap=10_000)
    fewer = keyset_page(narrowed, ordering=ORDERING, size=3, count_cap=10_000)

    assert page.counted == capped_count(queryset, 10_000) == (min(5, cap), cap < 5)
    assert fewer.counted == capped_count(narrowed, 10_000) == (min(4, cap), cap < 4)
    # The page itself is unchanged by the longer read.
    assert names(page) == ["Alfa", "Beta"] and names(fewer) == ["Alfa", "Beta", "Delta"]
    assert names(keyset_page(queryset, ordering=ORDERING, size=2, after=page.next_cursor)) == ["Charlie", "Delta"]


def test_the_count_comes_with_the_sort_in_one_query(groups, django_assert_num_queries):
    queryset = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=3, ids_first=True))

    with django_assert_num_queries(2):  # the matches' ids (up to the cap and one), the page's rows
        page = keyset_page(queryset, ordering=ORDERING, size=2, count_cap=10_000)

    assert page.counted == (3, True)


def test_only_a_first_page_of_ids_sorted_first_counts_itself(groups):
    costly = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=3, ids_first=True))
    plain = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=3))
    annotated = mark_costly(ClientGroup.objects.annotate(members=Count("clients")), CostlyRows(ids_first=True))
    first = keyset_page(costly, ordering=ORDERING, size=2, count_cap=10_000)

    assert keyset_page(costly, ordering=ORDERING, size=2).counted is None  # not asked
    assert keyset_page(costly, ordering=ORDERING, size=2, after=first.next_cursor, count_cap=10_000).counted is None
    assert keyset_page(plain, ordering=ORDERING, size=2, count_cap=10_000).counted is None  # the caller counts apart
    assert keyset_page(annotated, ordering=ORDERING, size=2, count_cap=10_000).counted is None


def test_the_callers_lower_cap_applies_to_a_page_that_counts_itself(groups):
    queryset = mark_costly(ClientGroup.objects.all(), CostlyRows(count_cap=4, ids_first=True))

    page = keyset_page(queryset, ordering=ORDERING, size=1, count_cap=2)

    assert page.counted == capped_count(queryset, 2) == (2, True)
    assert keyset_page(queryset, ordering=ORDERING, size=1, count_cap=100).counted == (4, True)
