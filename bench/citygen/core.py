"""The city generator's machinery: scales, a registry of steps, and a fast table writer.

A step is a function `run(ctx)` registered with `@step("name", after=(...))`; `generate()` runs the
registered steps in dependency order (ties in registration order). Every step draws from its own random
stream, seeded from the seed and the step's name, so adding a step (the venture-philanthropy projects, for
example, once that app exists: `@step("projects", after=("organizations",))` in a new module imported by
bench/citygen/steps.py) changes nothing that the other steps generate.

Rows are written with explicit primary keys (continuing after the table's current maximum), so a step knows
its rows' ids without reading them back: on PostgreSQL with COPY, on SQLite with executemany; sequences are
reset at the end. Nothing goes through models' save(), so no audit entries and no signals are written — the
generator fills a database for benchmarks and load tests; it is not an import path for real data.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
import resource
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

BATCH = 5_000
TZ = ZoneInfo("Asia/Shanghai")
# Every date in the data is fixed relative to this day, so the same seed gives the same rows on any day.
TODAY = datetime.date(2026, 11, 20)
NOW = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)


class Output(Protocol):
    def write(self, msg: str) -> Any: ...

    def flush(self) -> Any: ...


@dataclass(frozen=True)
class Scale:
    name: str
    community_centers: (
        int  # centers on the community level (plus 1 city, 16 district, one per street)
    )
    organizations: int
    teams: int
    offerings: int
    needs: int
    matches: int
    bookings: int
    residents: int
    projects: int  # venture-philanthropy projects (公益创投 and 购买服务) with their ledgers
    districts: int | None = None  # None: all of the city's districts
    # Where: "shanghai" (one city, its shipped communities) or "hebei" (a province of eleven cities: real
    # districts and streets, `communities` synthesized ones since no community file ships for them).
    geography: str = "shanghai"
    communities: int | None = None  # synthesized communities; None: the shipped community file
    cities: tuple[str, ...] | None = None  # a subset of the geography's cities (tests); None: all


SCALES = {
    "city": Scale(
        name="city",
        community_centers=1_250,
        organizations=17_000,
        teams=40_000,
        offerings=50_000,
        needs=200_000,
        matches=500_000,
        bookings=100_000,
        residents=20_000,
        projects=5_000,
    ),
    # Ten times the city, on Hebei's 11 cities, 190 districts and 2,246 ordinary streets (Shanghai: 16 and
    # 215) with ten times Shanghai's 6,395 communities; written in batches, never held in memory.
    "province": Scale(
        name="province",
        community_centers=12_500,
        organizations=170_000,
        teams=400_000,
        offerings=500_000,
        needs=2_000_000,
        matches=5_000_000,
        bookings=1_000_000,
        residents=200_000,
        projects=50_000,
        geography="hebei",
        communities=63_950,
    ),
    "medium": Scale(  # a quarter of the city: for developing against realistic query plans
        name="medium",
        community_centers=1_250,
        organizations=4_250,
        teams=10_000,
        offerings=12_500,
        needs=50_000,
        matches=125_000,
        bookings=25_000,
        residents=5_000,
        projects=1_250,
    ),
    "small": Scale(
        name="small",
        community_centers=40,
        organizations=300,
        teams=600,
        offerings=500,
        needs=2_000,
        matches=5_000,
        bookings=1_500,
        residents=200,
        projects=50,
    ),
}


@dataclass
class Step:
    name: str
    run: Callable[[Context], None]
    after: tuple[str, ...] = ()


STEPS: dict[str, Step] = {}


def step(name: str, *, after: Iterable[str] = ()) -> Callable[[Callable[[Context], None]], Any]:
    """Register a generator step; `after` names the steps whose data it uses."""

    def register(fn: Callable[[Context], None]) -> Callable[[Context], None]:
        STEPS[name] = Step(name=name, run=fn, after=tuple(after))
        return fn

    return register


def ordered_steps(only: Iterable[str] | None = None) -> list[Step]:
    """Registered steps in dependency order (a step's `after` before it), registration order otherwise."""
    wanted = set(only) if only is not None else set(STEPS)
    done: list[Step] = []
    seen: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in seen:
            return
        if name in path:
            raise ValueError(f"generate_city: steps depend on each other in a cycle: {path}")
        if name not in STEPS:
            raise ValueError(f"generate_city: unknown step {name!r}")
        for dep in STEPS[name].after:
            visit(dep, (*path, name))
        seen.add(name)
        done.append(STEPS[name])

    for name in STEPS:
        if name in wanted:
            visit(name, ())
    return done


class Table:
    """Buffered writer of one table's rows with explicit ids: `add(**values)` returns the new row's id.

    Columns not given take the model field's default (auto timestamps: the generator's NOW); a column without a
    default must be given. Values are converted once per column for the database (JSON, datetimes on SQLite).
    """

    def __init__(self, ctx: Context, model: type[models.Model], columns: Iterable[str]):
        self.ctx = ctx
        self.model = model
        self.table = model._meta.db_table
        self.columns = list(columns)
        by_column = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in self.columns if c not in by_column]
        if unknown:
            raise ValueError(f"{self.table}: no columns {unknown}")
        pk = model._meta.pk
        assert pk is not None
        self.pk_column = pk.column if pk.column not in self.columns else None
        self.fill: list[tuple[str, Any]] = []
        for column, f in by_column.items():
            if column in self.columns or column == self.pk_column:
                continue
            if (
                getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)
                or (isinstance(f, models.DateTimeField) and f.has_default())
            ):
                value: Any = NOW
            else:
                value = f.get_default()  # "" for text fields without a default
                if value is None and not f.null:
                    raise ValueError(f"{self.table}.{column} needs a value")
            self.fill.append((column, self.ctx.db_value(value)))
        self.converters = [
            self.ctx.converter(by_column[c]) for c in self.columns
        ]  # per given column
        self.next_id = ctx.next_id(model) if self.pk_column else 0
        self.buffer: list[tuple[Any, ...]] = []
        self.written = 0
        self.all_columns = ([self.pk_column] if self.pk_column else []) + self.columns
        self.all_columns += [c for c, _v in self.fill]
        self.fill_values = tuple(v for _c, v in self.fill)

    def add(self, *values: Any) -> int:
        row = tuple(conv(v) if conv else v for conv, v in zip(self.converters, values, strict=True))
        if self.pk_column:
            new_id = self.next_id
            self.next_id += 1
            self.buffer.append((new_id, *row, *self.fill_values))
        else:
            new_id = 0
            self.buffer.append((*row, *self.fill_values))
        if len(self.buffer) >= BATCH:
            self.flush()
        return new_id

    def flush(self) -> None:
        if not self.buffer:
            return
        self.ctx.write_rows(self.table, self.all_columns, self.buffer)
        self.written += len(self.buffer)
        self.buffer = []

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()


@dataclass
class Context:
    """What the steps share: scale, seed, output, and the ids and facts earlier steps produced."""

    scale: Scale
    seed: int
    out: Output | None = None
    data: dict[str, Any] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    peaks: dict[str, int] = field(
        default_factory=dict
    )  # the process's peak RSS (MiB) after each step
    models_written: set[type[models.Model]] = field(default_factory=set)

    @property
    def postgres(self) -> bool:
        return connection.vendor == "postgresql"

    def rng(self, name: str) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def log(self, message: str) -> None:
        if self.out is not None:
            self.out.write(message + "\n")
            self.out.flush()

    # -- writing -------------------------------------------------------------------------------
    def table(self, model: type[models.Model], columns: Iterable[str]) -> Table:
        self.models_written.add(model)
        return Table(self, model, columns)

    def next_id(self, model: type[models.Model]) -> int:
        pk = model._meta.pk
        assert pk is not None
        top = model._base_manager.aggregate(m=models.Max(pk.name))["m"]
        return int(top or 0) + 1

    def db_value(self, value: Any) -> Any:
        if isinstance(value, list | dict):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, datetime.datetime) and not self.postgres:
            return self.sqlite_datetime(value)
        if isinstance(value, Decimal) and not self.postgres:
            return str(value)
        return value

    @staticmethod
    def sqlite_datetime(value: datetime.datetime) -> str:
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")

    def converter(self, f: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
        if isinstance(f, models.JSONField):
            return lambda v: json.dumps(v, ensure_ascii=False)
        if isinstance(f, models.DateTimeField) and not self.postgres:
            return lambda v: None if v is None else self.sqlite_datetime(v)
        if isinstance(f, models.DecimalField) and not self.postgres:
            return lambda v: None if v is None else str(v)
        if isinstance(f, models.TimeField) and not self.postgres:
            return lambda v: None if v is None else v.isoformat()
        return None

    def write_rows(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        cols = ", ".join(quote(c) for c in columns)
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # the psycopg cursor
                with raw.copy(f"COPY {quote(table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(
                    f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})",  # noqa: S608 - our names
                    rows,
                )

    def reset_sequences(self) -> None:
        if not self.postgres or not self.models_written:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.models_written))
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def generate(
    *,
    scale: str | Scale,
    seed: int,
    out: Output | None = None,
    only: Iterable[str] | None = None,
) -> Context:
    """Run the registered steps on the configured database, in one transaction per step."""
    from bench.citygen import steps as _steps  # registers the steps

    ctx = Context(scale=SCALES[scale] if isinstance(scale, str) else scale, seed=seed, out=out)
    total = time.perf_counter()
    for s in ordered_steps(only):
        started = time.perf_counter()
        with transaction.atomic():
            s.run(ctx)
        ctx.timings[s.name] = time.perf_counter() - started
        ctx.peaks[s.name] = peak_rss_mib()
        ctx.log(f"  {s.name:<14} {ctx.timings[s.name]:7.1f} s  peak RSS {ctx.peaks[s.name]:5d} MiB")
    with transaction.atomic():
        ctx.reset_sequences()
    started = time.perf_counter()
    _steps.analyze(ctx)
    ctx.log(f"  {'analyze':<14} {time.perf_counter() - started:7.1f} s")
    if only is None:  # the dashboards' monthly roll-up, as the nightly job builds it
        from civicnest.stats import rollup

        started = time.perf_counter()
        months = rollup.refresh(rollup.retained_months())
        ctx.timings["stats_rollup"] = time.perf_counter() - started
        ctx.log(
            f"  {'stats rollup':<14} {ctx.timings['stats_rollup']:7.1f} s ({len(months)} months)"
        )
    ctx.timings["total"] = time.perf_counter() - total
    return ctx


def peak_rss_mib() -> int:
    """The process's peak resident set so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def local(day: datetime.date, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(minute // 60, minute % 60), tzinfo=timezone.get_current_timezone()
    )
