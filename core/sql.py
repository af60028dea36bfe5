"""Writes through the ORM's SQL without its per-call overhead. Set-based: rows made by the
database from a queryset (INSERT … SELECT), and a set of ids as one bound parameter, where
thousands of rows change at once (the deadline sweep, cases/jobs.py; the indicator rollups,
indicators/rollups.py). Single rows: insert_row, for the rows every action writes."""

from __future__ import annotations

import json

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save, pre_save


def id_set(ids) -> RawSQL:
    """A subquery yielding `ids`, for `pk__in=`: one bound parameter however many ids there are."""
    ids = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (ids,))
    return RawSQL("SELECT value FROM json_each(%s)", (json.dumps(ids),))


def rows(queryset, values: dict):
    """The queryset as SELECT <values' expressions, in order> — aliased c0, c1, … (no model field
    is called that) — remembering `values`' keys as the field names the rows are for."""
    aliases = {f"c{i}": expression for i, expression in enumerate(values.values())}
    selected = queryset.order_by().annotate(**aliases).values_list(*aliases)
    selected._columns = list(values)
    return selected


def insert_select_sql(model, selected) -> tuple[str, list]:
    """The INSERT INTO model's table SELECT … of `selected` (from rows()), as SQL and parameters."""
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in selected._columns)
    sql, params = selected.query.sql_with_params()
    table = connection.ops.quote_name(model._meta.db_table)
    return f"INSERT INTO {table} ({columns}) SELECT * FROM ({sql}) AS new_rows", list(params)  # noqa: S608


def insert_select(model, selected) -> int:
    """INSERT INTO model's table SELECT …: the rows are made by the database, never by Python.
    `selected` comes from rows() (or a union of them). Returns the number of rows written."""
    sql, params = insert_select_sql(model, selected)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


_INSERTS: dict = {}  # (model, database, with the primary key) → (INSERT statement, its fields)


def insert_row(obj) -> None:
    """INSERT one new model instance: what `obj.save(force_insert=True)` writes, the same values
    from the same field methods (pre_save, get_db_prep_save: auto_now_add, defaults, JSON), with
    the statement made once per model instead of compiled on every call. The primary key is
    written when set (core.sql.reserve_id) and read back otherwise. For the rows every action
    writes (cases, their timeline, the audit log, the inbox); a model with save signals connected,
    or an instance already saved, goes through save() as usual."""
    model = type(obj)
    if not obj._state.adding or pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(force_insert=True)
        return
    meta = model._meta
    with_pk = obj.pk is not None
    key = (model, connection.alias, with_pk)
    entry = _INSERTS.get(key)
    if entry is None:
        fields = [f for f in meta.local_concrete_fields if with_pk or f is not meta.pk]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = (f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) "  # noqa: S608
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if not with_pk:
            sql += f" RETURNING {connection.ops.quote_name(meta.pk.column)}"
        entry = _INSERTS[key] = (sql, fields)
    sql, fields = entry
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if not with_pk:
            obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = connection.alias


def lock_row(queryset, pk):
    """The row `pk` of `queryset`, locked FOR UPDATE, read with the queryset's joins.

    The lock is taken on the table alone, then the row is read. A FOR UPDATE over joins makes
    PostgreSQL recheck the join after waiting for another writer (EvalPlanQual) against the joined
    rows it saw before the wait: if that writer changed the foreign key, the row silently drops out
    and `.get()` raises DoesNotExist for a row that exists. Raises the model's DoesNotExist."""
    model = queryset.model
    if not model._default_manager.select_for_update().filter(pk=pk).values_list("pk", flat=True):
        raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
    return queryset.get(pk=pk)


def reserve_id(model) -> int | None:
    """The primary key the next row of `model` will get, taken now, so that values made from it (a
    case number) go into the one INSERT instead of an UPDATE after it. PostgreSQL: nextval of the
    id's sequence (never handed out twice). SQLite: one above the AUTOINCREMENT counter, which is
    safe only inside a transaction, where the settings' BEGIN IMMEDIATE holds the write lock until
    the row is in. None elsewhere (the caller inserts first and fills the value in after)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s))", [table, model._meta.pk.column])
            return cursor.fetchone()[0]
        if connection.vendor == "sqlite" and connection.in_atomic_block:
            # Django's SQLite primary keys are AUTOINCREMENT: sqlite_sequence holds the highest
            # id ever given (explicit ones included), no row there until the first insert
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            return (row[0] if row else 0) + 1
    return None
