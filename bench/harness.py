"""Timing requests in-process: median and p90 over N runs after warm-up, with queries and SQL time."""

import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Figure:
    name: str
    times_ms: list[float] = field(default_factory=list)
    queries: int = 0
    sql_ms: float = 0.0
    status: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.times_ms)
        return ordered[max(0, int(round(0.9 * len(ordered))) - 1)]


class _SqlTimer:
    def __init__(self):
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start
            self.count += 1


@contextmanager
def sql_timer():
    timer = _SqlTimer()
    with connection.execute_wrapper(timer):
        yield timer


def measure(name: str, call, *, runs: int = 50, warmup: int = 5) -> Figure:
    """Time `call()` (returns a response or anything); the query count is the last run's."""
    return measure_together([(name, call)], runs=runs, warmup=warmup)[0]


def measure_together(calls: list[tuple[str, object]], *, runs: int = 50, warmup: int = 5) -> list[Figure]:
    """As measure() for each (name, call), the calls taking turns: run 1 of each, then run 2 of each.

    On a shared machine the load changes from one second to the next; measured one after the other,
    a page and its baseline would see different loads and their ratio would wander.
    """
    figures = [Figure(name) for name, _call in calls]
    for _ in range(warmup):
        for _name, call in calls:
            call()
    for _ in range(runs):
        for figure, (_name, call) in zip(figures, calls, strict=True):
            with sql_timer() as timer:
                start = time.perf_counter()
                response = call()
                elapsed = time.perf_counter() - start
            figure.times_ms.append(elapsed * 1000)
            figure.queries = timer.count
            figure.sql_ms = timer.seconds * 1000
            figure.status = getattr(response, "status_code", 0)
    return figures


def get(client: Client, url: str):
    def call():
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response

    return call


def explain(sql: str, params=None) -> str:
    """EXPLAIN (ANALYZE) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def _prepared_text(execute: str) -> str:
    """The statement an EXECUTE runs (csol/core/prepared.py), with the values it was given."""
    name = execute.split()[1].split("(")[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE name = %s", [name])
        (statement,) = cursor.fetchone()
    return f"{execute}\n-- which runs:\n{statement}"


def slowest_select(call) -> tuple[str, str]:
    """The slowest SELECT a request runs, as executed, and its plan: the page's own query shape.

    A prepared statement's EXECUTE counts as the SELECT it runs; its plan is the one PostgreSQL
    reuses (EXPLAIN EXECUTE), and its text is shown with the values it was given.
    """
    with CaptureQueriesContext(connection) as captured:
        call()
    # Not the signed-in user's row, which every page reads first (H's one query).
    selects = [
        q
        for q in captured.captured_queries
        if q["sql"].lstrip().upper().startswith(("SELECT", "EXECUTE"))
        and not q["sql"].startswith('SELECT "core_user"."id"')
    ]
    slowest = max(selects, key=lambda q: float(q["time"]))
    sql = slowest["sql"]
    if sql.lstrip().upper().startswith("EXECUTE"):
        return _prepared_text(sql), explain(sql)
    return sql, explain(sql)


def table(rows: list[tuple]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)
