"""Keyset (cursor) pagination: a page deep in a long list costs what the first page costs.

OFFSET makes the database walk and throw away every row before the page (row 10,000 reads 10,000
rows); a cursor holds the sort key of the last row shown, and the next page starts right after it:
`WHERE (is_open, created_at, id) < (cursor) ORDER BY ... LIMIT 26`, one range scan of the same index
as the first page. Links carry the cursor and the page number (shown to the user, never used to
position), so "Next" and "Previous" work as before; a bare `?page=N` (old bookmarks) still works by
OFFSET.

Only orderings whose columns are NOT NULL and all in one direction can use a cursor (a row
comparison is lexicographic in one direction); the others fall back to OFFSET.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL


@dataclass
class KeysetPage:
    items: list
    number: int
    per_page: int
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    num_pages: int | None = None  # known only when the caller counted the rows anyway

    @property
    def object_list(self) -> list:  # as Django's Page
        return self.items

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.items) - 1 if self.items else 0

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def records(rows) -> list[SimpleNamespace]:
    """Rows of a `.values()` queryset as objects with attributes, which the cursors read.

    A list page shows a few columns: plain rows spare building a model instance per row.
    """
    return [SimpleNamespace(**row) for row in rows]


def _fields(queryset: QuerySet, ordering: tuple[str, ...], *, nulls_excluded: bool = False):
    """(model field, descending) of each ordering term, or None if a cursor cannot serve it.

    `nulls_excluded`: the caller's filter already leaves out rows with NULL in these columns.
    """
    opts = queryset.model._meta
    terms = []
    for term in ordering:
        name = term.lstrip("-")
        field = opts.pk if name == "pk" else opts.get_field(name)
        if (field.null and not nulls_excluded) or field.many_to_many:
            return None
        terms.append((field, term.startswith("-")))
    if len({descending for _field, descending in terms}) != 1:
        return None
    return terms


def encode_cursor(row, terms) -> str:
    values = [field.value_to_string(row) for field, _desc in terms]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, terms) -> list | None:
    """The cursor's values as Python values of each field; None for anything malformed."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(terms):
            return None
        return [field.to_python(value) for (field, _desc), value in zip(terms, values, strict=True)]
    except (ValueError, TypeError, ValidationError):  # a tampered cursor is ignored: first page
        return None


def _beyond(queryset: QuerySet, terms, values, *, forward: bool) -> QuerySet:
    """Rows after (forward) or before the cursor in the list's order, as one row comparison."""
    descending = terms[0][1]
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    columns = ", ".join(f"{table}.{connection.ops.quote_name(field.column)}" for field, _desc in terms)
    params = [
        field.get_db_prep_value(value, connection)
        for (field, _desc), value in zip(terms, values, strict=True)
    ]
    op = "<" if descending == forward else ">"
    placeholders = ", ".join(["%s"] * len(params))
    # Column names come from the model and the values go as parameters: nothing from the user is spliced.
    comparison = RawSQL(f"({columns}) {op} ({placeholders})", params, output_field=BooleanField())  # noqa: S611
    return queryset.filter(comparison)


def keyset_page(
    queryset: QuerySet,
    *,
    ordering: tuple[str, ...],
    number: int = 1,
    after: str = "",
    before: str = "",
    per_page: int = 25,
    fetch=None,
    nulls_excluded: bool = False,
) -> KeysetPage | None:
    """One page after/before a cursor, or None when the ordering or the cursor cannot be used.

    `fetch(queryset, limit)` returns the rows (default: `list(queryset[:limit])`); the orders list
    passes its own to keep its per-customer UNION for partners.
    """
    terms = _fields(queryset, ordering, nulls_excluded=nulls_excluded)
    cursor = after or before
    if terms is None or not cursor:
        return None
    values = decode_cursor(cursor, terms)
    if values is None:
        return None
    fetch = fetch or (lambda qs, limit: list(qs[:limit]))
    if after:
        number = max(2, number)
        rows = fetch(_beyond(queryset, terms, values, forward=True).order_by(*ordering), per_page + 1)
        items, has_next, has_previous = rows[:per_page], len(rows) > per_page, True
    else:
        reverse = tuple(term[1:] if term.startswith("-") else f"-{term}" for term in ordering)
        rows = fetch(_beyond(queryset, terms, values, forward=False).order_by(*reverse), per_page + 1)
        has_previous = len(rows) > per_page
        items, has_next = list(reversed(rows[:per_page])), True
        # The link names the page it leads to; the first page is the one with nothing before it.
        number = max(number, 2) if has_previous else 1
    page = KeysetPage(
        items=items, number=number, per_page=per_page, has_next=has_next, has_previous=has_previous
    )
    return with_cursors(page, terms)


def with_cursors(page: KeysetPage, terms) -> KeysetPage:
    if page.items:
        page.next_cursor = encode_cursor(page.items[-1], terms) if page.has_next else ""
        page.previous_cursor = encode_cursor(page.items[0], terms) if page.has_previous else ""
    return page


def cursors_for(
    queryset: QuerySet, ordering: tuple[str, ...], page: KeysetPage, *, nulls_excluded: bool = False
) -> KeysetPage:
    """Cursors for a page read by OFFSET (the first page, an old `?page=N` link)."""
    terms = _fields(queryset, ordering, nulls_excluded=nulls_excluded)
    return with_cursors(page, terms) if terms is not None else page
