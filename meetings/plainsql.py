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
from typing import Any, TypeVar

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
