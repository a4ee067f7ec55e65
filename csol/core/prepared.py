"""Server-side prepared statements for the hottest hand-written queries (PostgreSQL).

A short indexed query can cost more to plan than to run: the lookup's statement (inventory/lookup.py)
took 0.4 ms to plan and 0.1 ms to run on the scale data. Prepared once per connection (connections
live CONN_MAX_AGE seconds), PostgreSQL plans it at most a few times and then reuses a generic plan.
psycopg2 never prepares by itself and the ORM has no hook for it, so this serves fixed SQL texts
written by hand. Other databases run the statement as it is (sqlite3 keeps its own statement cache).

Prepared statements outlive transactions, rolled back or not, and end with the connection: each
connection remembers the names it has prepared, and a new connection starts with none.
"""

from collections.abc import Sequence
from hashlib import blake2b

from django.db import DatabaseError

PLACEHOLDER = "%s"
UNKNOWN_STATEMENT = "26000"  # PostgreSQL's invalid_sql_statement_name


def _numbered(sql: str) -> str:
    """The statement with PostgreSQL's $1, $2… in place of the driver's %s (no literal % allowed)."""
    parts = sql.split(PLACEHOLDER)
    if any("%" in part for part in parts):
        raise ValueError("a prepared statement cannot hold a literal %")
    return "".join(f"{part}${n}" if n < len(parts) else part for n, part in enumerate(parts, start=1))


def _prepared_names(connection) -> set[str]:
    """The names prepared on the connection's current database session."""
    session = connection.connection  # the driver's connection: a new one after each reconnection
    known = getattr(connection, "_csol_prepared", None)
    if known is None or known[0] is not session:
        known = (session, set())
        connection._csol_prepared = known
    return known[1]


def _prepare(connection, name: str, sql: str) -> None:
    # Connection set-up, like the session's time zone: straight to the driver, so that a page's
    # query count does not depend on whether its connection is new.
    with connection.connection.cursor() as setup:
        setup.execute(f"PREPARE {name} AS {_numbered(sql)}")
    _prepared_names(connection).add(name)


def execute(cursor, sql: str, params: Sequence) -> None:
    """Run `sql` with `params` on a Django cursor, from a statement prepared on PostgreSQL."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    name = "csol_" + blake2b(sql.encode(), digest_size=8).hexdigest()
    if name not in _prepared_names(connection):
        _prepare(connection, name, sql)
    arguments = f" ({', '.join([PLACEHOLDER] * len(params))})" if params else ""
    try:
        cursor.execute(f"EXECUTE {name}{arguments}", params)
    except DatabaseError as error:
        # The session lost its statements behind our back (DISCARD ALL, a pooler handing over
        # another session). Outside a transaction the failed EXECUTE left nothing to roll back:
        # prepare again and run once more. Inside one, the transaction is spoilt: the error stands.
        if getattr(error.__cause__, "pgcode", None) != UNKNOWN_STATEMENT:
            raise
        _prepared_names(connection).clear()  # the next call prepares again, in any case
        if connection.in_atomic_block:
            raise
        _prepare(connection, name, sql)
        cursor.execute(f"EXECUTE {name}{arguments}", params)
