"""Prepared statements (csol/core/prepared.py): planned once per connection, same rows as a plain run."""

import pytest
from django.db import DatabaseError, connection, transaction

from csol.core import prepared

pytestmark = pytest.mark.django_db

SQL = "SELECT %s::int + 1, %s::text"


def _run(sql, params):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def _prepared_on_server() -> dict[str, str]:
    """Name → statement, for the statements prepared on this connection's session."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return {name: statement.split(" AS ", 1)[1] for name, statement in cursor.fetchall()}


def test_placeholders_are_numbered():
    assert prepared._numbered("SELECT a FROM t WHERE b = %s AND c IN (%s, %s)") == (
        "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
    )
    with pytest.raises(ValueError, match="literal %"):
        prepared._numbered("SELECT a FROM t WHERE b LIKE 'x%' AND c = %s")


def test_rows_are_those_of_a_plain_run():
    assert _run("SELECT 1 + %s, %s", [41, "x"]) == [(42, "x")]


NAME = "csol_" + prepared.blake2b(SQL.encode(), digest_size=8).hexdigest()


@pytest.mark.postgres
def test_a_statement_is_prepared_once_per_connection():
    assert _run(SQL, [1, "a"]) == [(2, "a")]
    assert _run(SQL, [2, "b"]) == [(3, "b")]
    assert _prepared_on_server()[NAME] == "SELECT $1::int + 1, $2::text"


@pytest.mark.postgres
def test_a_rolled_back_transaction_keeps_the_statement():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert _run(SQL, [1, "a"]) == [(2, "a")]
        raise RuntimeError("roll back")
    assert NAME in _prepared_on_server()
    assert _run(SQL, [5, "e"]) == [(6, "e")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_new_connection_prepares_again():
    assert _run(SQL, [1, "a"]) == [(2, "a")]
    connection.close()
    # A new database session has no statement: trusting the old session's names would fail here.
    assert _run(SQL, [7, "g"]) == [(8, "g")]
    assert NAME in _prepared_on_server()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_session_that_lost_its_statements_prepares_again():
    assert _run(SQL, [1, "a"]) == [(2, "a")]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what DISCARD ALL or a pooler's other session amounts to
    assert _run(SQL, [3, "c"]) == [(4, "c")]
    assert NAME in _prepared_on_server()


@pytest.mark.postgres
def test_inside_a_transaction_a_lost_statement_is_an_error():
    assert _run(SQL, [1, "a"]) == [(2, "a")]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(DatabaseError):
        _run(SQL, [3, "c"])
    # The connection forgot its names: after the transaction, the statement is prepared again.
    assert prepared._prepared_names(connection) == set()
