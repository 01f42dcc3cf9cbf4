"""What the one process holding the matching index costs, and how long residents wait for suggestions.

    uv run python bench/matching_worker.py build  OUT.json   # a fresh process builds the index, ranks 200 needs
    uv run python bench/matching_worker.py warm   OUT.json   # queue one need_suggest, wait for the worker to run it
    uv run python bench/matching_worker.py queue  OUT.json   # need_suggest tasks the worker ran: wait and run times

Run against the database bench/run_load.sh filled (DATABASE_URL). `build` is what a `db_worker --queue-name
matching` does on its first task (decision 34): load every active offering, build the index, freeze it out of
the garbage collector. `queue` reads django-tasks-db's rows: enqueued → started is the wait, started → finished
the ranking and the write. bench/load_report.py puts both in docs/benchmarks.md; nothing here asserts a number.
"""
# ruff: noqa: E402 - Django must be configured before the project's modules are imported

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

import django

django.setup()

from django_tasks_db.models import DBTaskResult

from civicnest.matching.live_index import live_index
from civicnest.matching.models import Need, NeedStatus, ServiceOffering
from civicnest.matching.tasks import need_suggest

SEED = 34
RANKED = 200


def rss_mib() -> dict[str, float]:
    status = Path("/proc/self/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    return {
        "rss_mib": int(fields["VmRSS"].split()[0]) / 1024,
        "hwm_mib": int(fields["VmHWM"].split()[0]) / 1024,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def build() -> dict[str, object]:
    before = rss_mib()["rss_mib"]
    started = time.perf_counter()
    index = live_index.sync()
    built_s = time.perf_counter() - started
    after = rss_mib()
    open_ids = list(
        Need.objects.filter(status=NeedStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)[:50_000]
    )
    needs = Need.objects.filter(
        pk__in=random.Random(SEED).sample(open_ids, min(RANKED, len(open_ids)))
    )
    times = []
    for need in needs:
        t = time.perf_counter()
        live_index.rank(need, limit=5)
        times.append((time.perf_counter() - t) * 1000)
    return {
        "offerings": ServiceOffering.objects.count(),
        "indexed": len(index.docs),
        "build_s": round(built_s, 1),
        "rss_before_mib": round(before),
        "rss_after_mib": round(after["rss_mib"]),
        "hwm_mib": round(after["hwm_mib"]),
        "maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "ranked": len(times),
        "rank_p50_ms": round(statistics.median(times), 1) if times else None,
        "rank_p95_ms": round(percentile(times, 0.95), 1),
    }


def warm() -> dict[str, object]:
    """The running worker builds its index on its first task: done before the measured runs, as a
    deployment's worker has long built it when the morning's residents arrive."""
    need_id = (
        Need.objects.filter(status=NeedStatus.OPEN).order_by("pk").values_list("pk", flat=True)[0]
    )
    started = time.perf_counter()
    result = need_suggest.enqueue(need_id=need_id)
    while not DBTaskResult.objects.filter(pk=result.id, finished_at__isnull=False).exists():
        if time.perf_counter() - started > 1800:
            raise SystemExit("matching_worker warm: the worker did not run the task in 30 minutes")
        time.sleep(0.5)
    return {"first_task_s": round(time.perf_counter() - started, 1)}


def queue() -> dict[str, object]:
    rows = DBTaskResult.objects.filter(
        task_path="civicnest.matching.tasks.need_suggest", finished_at__isnull=False
    ).values_list("enqueued_at", "started_at", "finished_at", "status")
    waits, runs, failed = [], [], 0
    for enqueued, started, finished, status in rows:
        if started is None or finished is None:
            continue
        waits.append((started - enqueued).total_seconds() * 1000)
        runs.append((finished - started).total_seconds() * 1000)
        failed += status != "SUCCESSFUL"
    pending = DBTaskResult.objects.filter(
        task_path="civicnest.matching.tasks.need_suggest", finished_at__isnull=True
    ).count()
    return {
        "finished": len(runs),
        "failed": failed,
        "pending_at_end": pending,
        "wait_p50_ms": round(statistics.median(waits)) if waits else None,
        "wait_p95_ms": round(percentile(waits, 0.95)),
        "run_p50_ms": round(statistics.median(runs)) if runs else None,
        "run_p95_ms": round(percentile(runs, 0.95)),
    }


def main() -> None:
    what, out = sys.argv[1], Path(sys.argv[2])
    result = {"build": build, "warm": warm, "queue": queue}[what]()
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"matching_worker {what}: {result}")


if __name__ == "__main__":
    main()
