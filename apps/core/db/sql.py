"""Hand-written SQL, for the few reads that run on every presence poll.

An open page polls every 30 s, so 10,000 readers make 333 polls a second. For the poll's
small reads, building and compiling the query in the ORM costs some twenty times what the
database spends answering it (`bench/where.py "presence poll, 304"`), so those reads are
written out once here, in SQL both SQLite and PostgreSQL speak. Everything else uses the ORM.
Each table is named from its model, and each read is tested against the same data on both
databases. Boolean columns are tested bare (`p.is_online`, `NOT n.read`), never compared with
a parameter: SQLite's planner takes `is_online = ?` as a reason to walk that column's index,
every online member, instead of the few rows the other conditions lead to.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Model
from django.utils import timezone


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@functools.cache
def columns(model: type[Model], *names: str) -> tuple[str, ...]:
    """These columns in the model's own order, the order `Model.from_db` expects them in."""
    found = tuple(f.attname for f in model._meta.concrete_fields if f.attname in names)
    if len(found) != len(names):
        raise ValueError(f"{model.__name__} has no column {set(names) - set(found)}")
    return found


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def rows(query: str, params: Sequence[object]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def at(value: datetime) -> object:
    """A datetime as a query parameter, the way the ORM sends it (naive UTC text on SQLite)."""
    return connection.ops.adapt_datetimefield_value(value)


def moment(value: datetime | None) -> datetime | None:
    """A datetime column as the ORM returns it: aware (SQLite hands back naive UTC)."""
    if value is None or timezone.is_aware(value):
        return value
    return value.replace(tzinfo=UTC)


def one(model: type[Model], where: str, params: Sequence[object]) -> Model | None:
    """The row of `model` that `where` (a condition on its own columns, values as parameters)
    finds, as an instance with every column loaded and converted as the ORM does it, or None.
    For the reads every request makes (its session, its member), where building and
    compiling the ORM's query cost several times what the database spends on it."""
    reading = _reading(connection.vendor, model)
    found = rows(f"{reading.select} WHERE {where}", params)
    if not found:
        return None
    values = list(found[0])
    for index, column, converters in reading.converters:
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    return model.from_db(connection.alias, reading.names, values)


@dataclass(frozen=True)
class _Reading:
    select: str  # SELECT every column FROM the table
    names: tuple[str, ...]  # the columns' attribute names, in the order from_db expects
    converters: tuple  # (index, column, converters) for each column the ORM converts


@functools.cache
def _reading(vendor: str, model: type[Model]) -> _Reading:
    """How `one` reads `model` on this database, worked out once per process: the SELECT,
    and per column that needs one, the converters the ORM applies to its values (SQLite's
    booleans and datetimes, a field's own from_db_value)."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    select = f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {table(model)}"  # noqa: S608
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, column, tuple(found)))
    return _Reading(select, tuple(f.attname for f in fields), tuple(converters))
