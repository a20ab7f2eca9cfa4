"""Plain SQL for the reads a crowd repeats: every socket connect, ballot and
request. For a one-row read by key, Django's ORM spends several times more
CPU building and compiling the query than the database spends answering it
(docs/benchmarks.md, "Connects"), and a thousand phones repeat it at once.

Values pass through the model fields' own converters, so each backend's
plain values (SQLite's text datetimes, integer booleans) come back as the
ORM gives them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar, cast

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def fetch_one(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def fetch_all(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def from_db(field: models.Field[Any, Any], value: Any) -> Any:
    """A value read by a plain query, as the model field holds it."""
    column = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    for convert in converters:
        value = convert(value, column, connection)
    return value


def columns(model: type[models.Model], alias: str) -> str:
    """The model's columns for a SELECT, in the order `instance` reads them."""
    return ", ".join(f"{alias}.{field.column}" for field in model._meta.concrete_fields)


def instance(model: type[M], row: Sequence[Any]) -> M:
    """The model instance of a row read with `columns(model, ...)`."""
    fields = model._meta.concrete_fields
    values = [from_db(field, value) for field, value in zip(fields, row, strict=True)]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def insert(obj: models.Model) -> None:
    """Store a new instance with one plain INSERT, its values prepared by its
    fields as save() prepares them (defaults, auto_now_add). No signals, and
    a key the database makes (an AutoField) is not read back: for rows a
    crowd writes and nobody reads in the same breath, such as ballots."""
    meta = obj._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if not (field.primary_key and getattr(obj, field.attname) is None)
    ]
    values = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    quote = connection.ops.quote_name
    names = ", ".join(quote(cast(str, field.column)) for field in fields)  # concrete: set
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    obj._state.adding = False
    obj._state.db = connection.alias
