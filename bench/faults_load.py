"""Load during a database restart: N threads request URLs for a while; every response is timed and classified.

    uv run python bench/faults_load.py --base http://127.0.0.1:8765 --seconds 40 --threads 8 \
        --restart-at 12 --restart-cmd "pg_ctl … restart" --out var/bench/faults-restart.json

Prints and writes: requests and errors per second, the error window relative to the restart, and whether
the same gunicorn workers served before and after (no application restart).
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

URLS = ["/healthz/", "/portal/", "/api/v1/categories/"]


def worker(base: str, stop: float, out: list[tuple[float, str, int | str]], start: float) -> None:
    i = 0
    while (now := time.monotonic()) < stop:
        url = URLS[i % len(URLS)]
        i += 1
        try:
            with urllib.request.urlopen(base + url, timeout=10) as response:  # noqa: S310 - loopback
                response.read()
                outcome: int | str = response.status
        except urllib.error.HTTPError as exc:
            outcome = exc.code
        except (urllib.error.URLError, OSError) as exc:
            outcome = type(exc).__name__
        out.append((now - start, url, outcome))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--restart-at", type=float, default=12)
    parser.add_argument("--restart-cmd", required=True)
    parser.add_argument("--pids-cmd", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    def pids() -> str:
        if not args.pids_cmd:
            return ""
        return subprocess.run(  # noqa: S602 - the bench's own command line
            args.pids_cmd, shell=True, capture_output=True, text=True, check=False
        ).stdout.strip()

    pids_before = pids()
    start = time.monotonic()
    stop = start + args.seconds
    results: list[tuple[float, str, int | str]] = []
    threads = [
        threading.Thread(target=worker, args=(args.base, stop, results, start))
        for _ in range(args.threads)
    ]
    for thread in threads:
        thread.start()
    time.sleep(args.restart_at)
    restart_started = time.monotonic() - start
    done = subprocess.run(  # noqa: S603 - the bench's own command line
        shlex.split(args.restart_cmd), capture_output=True, text=True, check=False
    )
    restart_finished = time.monotonic() - start
    for thread in threads:
        thread.join()
    pids_after = pids()

    errors = [(t, u, o) for t, u, o in results if not (isinstance(o, int) and o < 500)]
    per_second: dict[int, Counter[str]] = defaultdict(Counter)
    for t, _u, o in results:
        per_second[int(t)]["ok" if isinstance(o, int) and o < 500 else str(o)] += 1
    first_error = min((t for t, _u, _o in errors), default=None)
    last_error = max((t for t, _u, _o in errors), default=None)
    after = [r for r in results if r[0] > (last_error or restart_finished) + 0.001]
    summary: dict[str, Any] = {
        "requests": len(results),
        "errors": len(errors),
        "error_kinds": dict(Counter(str(o) for _t, _u, o in errors)),
        "restart_started_s": round(restart_started, 2),
        "restart_finished_s": round(restart_finished, 2),
        "restart_rc": done.returncode,
        "first_error_s": round(first_error, 2) if first_error is not None else None,
        "last_error_s": round(last_error, 2) if last_error is not None else None,
        "requests_after_last_error": len(after),
        "errors_after_last_error": sum(
            1 for r in after if not (isinstance(r[2], int) and r[2] < 500)
        ),
        "same_workers": pids_before == pids_after,
        "worker_pids": pids_before,
        "per_second": {str(k): dict(v) for k, v in sorted(per_second.items())},
    }
    Path(args.out).write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    print(
        json.dumps(
            {k: v for k, v in summary.items() if k != "per_second"}, ensure_ascii=False, indent=1
        )
    )


if __name__ == "__main__":
    main()
