"""Inserting many rows at once, for bulk uploads: PostgreSQL ``COPY`` where available (an order of
magnitude faster than INSERT: ~12 s against ~69 s for a million rows, design.md), a prepared
``INSERT`` run over every row elsewhere (the embedded SQLite mode; the ORM's ``bulk_create`` spent
about a minute building objects for the demo's dashboard rollups), taking and storing the same
values either way."""

import datetime
import functools
import itertools
import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection, models
from django.db.models import lookups


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence],
              *, batch_size: int = 2000, json_default: Callable | None = None) -> int:
    """Insert ``rows`` (tuples in the order of ``columns``, given as attribute names such as
    ``actor_id``) into ``model``'s table. Nothing is returned per row; use it where no primary key
    is needed afterwards. Runs inside the caller's transaction.

    Both paths take and store the same values, and only the columns given (the model's Python
    defaults are not filled in, as COPY fills none): JSON columns are encoded once, with
    ``json_default`` for values json cannot encode itself (None is SQL NULL, as the ORM stores it);
    datetimes must be aware (COPY would read a naive one as UTC and the ORM as Beijing time, so
    neither takes it); elsewhere each value is prepared as the ORM prepares it for the column."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    chosen = [fields[name] for name in columns]
    postgres = connection.vendor == "postgresql"
    converters = _converters(chosen, json_default, postgres=postgres)
    if converters:
        rows = _converted(rows, converters)
    if postgres:
        return _copy_postgres(model, chosen, rows)
    count = 0
    rows = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(rows, batch_size)):
            cursor.executemany(_insert_sql(model, chosen), batch)
            count += len(batch)
    return count


# Columns whose Python values the SQLite driver stores as the ORM would, without preparing them.
_AS_GIVEN = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField", "CharField", "TextField",
    "SlugField", "EmailField", "URLField", "BooleanField", "FloatField"})


def _converters(fields, json_default, *, postgres: bool) -> list[tuple[int, Callable]]:
    """Per column, what turns a given value into the one stored: the same on both paths, as text
    for COPY on PostgreSQL, as the ORM prepares it for SQLite."""
    converters = []
    for i, f in enumerate(fields):
        if isinstance(f, models.JSONField):
            # One encoder for every row (json.dumps with options builds a new one per call).
            encode = json.JSONEncoder(ensure_ascii=False, default=json_default).encode
            converters.append((i, lambda value, encode=encode: None if value is None else encode(value)))
        elif postgres:
            if isinstance(f, models.DateTimeField):
                converters.append((i, _once_each(_aware_iso, only=datetime.datetime)))
            elif isinstance(f, models.DateField):
                converters.append((i, _once_each(datetime.date.isoformat, only=datetime.date)))
        elif (f.target_field if f.is_relation else f).get_internal_type() not in _AS_GIVEN:
            prepare = functools.partial(f.get_db_prep_save, connection=connection)
            if isinstance(f, models.DateTimeField):
                converters.append((i, _once_each(lambda v, prepare=prepare: prepare(_aware(v)))))
            else:
                converters.append((i, _once_each(prepare)))
    return converters


def _insert_sql(model, fields) -> str:
    quote = connection.ops.quote_name
    return (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(['%s'] * len(fields))})")


def _copy_postgres(model, fields, rows) -> int:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)
            count += 1
    return count


def _aware(value):
    if type(value) is datetime.datetime and value.utcoffset() is None:
        raise ValueError(f"copy_rows takes aware datetimes, not {value!r}")
    return value


def _aware_iso(value: datetime.datetime) -> str:
    return _aware(value).isoformat()


def _once_each(convert: Callable, *, only: type | None = None) -> Callable:
    """``convert`` applied to each distinct value once: a bulk upload stamps every row with the
    same moment, and formatting a date or datetime anew for each row costs about as long as the
    rest of the row. PostgreSQL reads ISO 8601 whatever its DateStyle, with the offset of an aware
    datetime. Equal datetimes are the same instant, so one text serves them all. None goes as it
    is; so does, with ``only``, a value not of that type (text, for PostgreSQL to read)."""
    cache: dict = {}

    def once(value):
        if value is None or only is not None and type(value) is not only:
            return value
        try:
            found = cache.get(value)
        except TypeError:  # unhashable
            return convert(value)
        if found is None:
            found = convert(value)
            if len(cache) < 10_000:
                cache[value] = found
        return found

    return once


def _converted(rows, converters):
    if len(converters) == 1:
        ((i, convert),) = converters
        for row in rows:
            row = list(row)
            row[i] = convert(row[i])
            yield row
        return
    for row in rows:
        row = list(row)
        for i, convert in converters:
            row[i] = convert(row[i])
        yield row


def insert_returning_ids(model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Insert ``rows`` like ``copy_rows`` and return their new primary keys, in order. On PostgreSQL
    the keys are taken from the table's sequence first (one query), then the rows go in by COPY;
    elsewhere each row is inserted with ``RETURNING`` its key. Runs inside the caller's transaction."""
    rows = list(rows)
    if not rows:
        return []
    if connection.vendor != "postgresql":
        fields = {f.attname: f for f in model._meta.concrete_fields}
        chosen = [fields[name] for name in columns]
        converters = _converters(chosen, None, postgres=False)
        sql = f"{_insert_sql(model, chosen)} RETURNING {connection.ops.quote_name(model._meta.pk.column)}"
        ids = []
        with connection.cursor() as cursor:
            for row in _converted(rows, converters) if converters else rows:
                cursor.execute(sql, row)
                ids.append(cursor.fetchone()[0])
        return ids
    pk = model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [model._meta.db_table, pk.column, len(rows)])
        ids = [row[0] for row in cursor.fetchall()]
    copy_rows(model, [pk.attname, *columns], ((pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)))
    return ids


class AnyIn(lookups.In):
    """``field__any_in=[...]``: the same rows as ``__in``, but on PostgreSQL sent as one array
    parameter (``= ANY(%s)``): a bulk upload looks up thousands of values at once, and a list of
    20,000 placeholders costs about five times more to send and plan than one array."""

    lookup_name = "any_in"

    def get_prep_lookup(self):
        # Plain values are prepared in one pass (the generic path costs microseconds per value,
        # seconds for a 100,000-row upload); anything else goes the usual way.
        if isinstance(self.rhs, list | tuple | set | frozenset) and all(type(v) in (int, str) for v in self.rhs):
            prep = self.lhs.output_field.get_prep_value
            kinds = {type(v) for v in self.rhs}
            sample = next(iter(self.rhs), None)
            if sample is None or type(prep(sample)) is type(sample) and len(kinds) == 1:
                return list(self.rhs)
        return super().get_prep_lookup()

    def as_postgresql(self, compiler, connection):
        if self.rhs_is_direct_value():
            lhs, lhs_params = self.process_lhs(compiler, connection)
            values = [v for v in self.rhs if v is not None]
            return f"{lhs} = ANY(%s)", (*lhs_params, values)
        return self.as_sql(compiler, connection)


models.Field.register_lookup(AnyIn)
