import pytest

from csol.core.keyset import KeysetPage, cursors_for, keyset_page
from csol.core.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def first_page(queryset, ordering, per_page):
    rows = list(queryset.order_by(*ordering)[: per_page + 1])
    page = KeysetPage(rows[:per_page], 1, per_page, has_next=len(rows) > per_page, has_previous=False)
    return cursors_for(queryset, ordering, page)


@pytest.mark.parametrize("ordering", [("-legal_name", "-id"), ("number", "id")])
def test_next_and_previous_cursors_walk_the_whole_list_in_order(ordering):
    for n in range(23):
        CustomerFactory(legal_name=f"Same name {n % 3}")  # ties on the first key: the id decides
    queryset = Customer.objects.all()
    expected = list(queryset.order_by(*ordering).values_list("pk", flat=True))
    n = 5
    page = first_page(queryset, ordering, n)
    pages = [page]
    while page.has_next:
        number, cursor = page.number + 1, page.next_cursor
        page = keyset_page(queryset, ordering=ordering, number=number, after=cursor, per_page=n)
        pages.append(page)
    assert [c.pk for p in pages for c in p.items] == expected
    assert [p.number for p in pages] == [1, 2, 3, 4, 5]
    assert pages[-1].start_index == 21 and pages[-1].end_index == 23 and not pages[-1].has_next

    # Back from the last page: the same pages in reverse, ending on page 1 with nothing before it.
    back = [pages[-1]]
    while back[-1].has_previous:
        current = back[-1]
        number, cursor = current.number - 1, current.previous_cursor
        back.append(keyset_page(queryset, ordering=ordering, number=number, before=cursor, per_page=n))
    assert [[c.pk for c in p.items] for p in back] == [[c.pk for c in p.items] for p in reversed(pages)]
    assert back[-1].number == 1 and back[-1].has_next


def test_a_tampered_cursor_or_an_unusable_ordering_falls_back():
    CustomerFactory()
    queryset, newest = Customer.objects.all(), ("-legal_name", "-id")
    assert keyset_page(queryset, ordering=newest, after="not-a-cursor!") is None
    assert keyset_page(queryset, ordering=newest, after="WyJ4Il0") is None  # one value for two keys
    assert keyset_page(queryset, ordering=("legal_name", "-id"), after="WyJ4IiwgIjEiXQ") is None  # mixed
    assert keyset_page(queryset, ordering=newest) is None  # no cursor: the caller pages by OFFSET
