"""Compare endpoints by this process's CPU time per request, interleaved, against the first.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/treatments_bench_1000 \\
        .venv/bin/python bench/compare_cpu.py /bench/limit/ /api/v1/treatments/ \\
        '/api/v1/treatments/<slug>/|If-None-Match: "…"'

On a shared, loaded machine wall time mostly measures the neighbours; the CPU time this process
spends per request (full WSGI stack of config.settings.bench, no network) does not, so the
ratios of hot paths to the limit view stay readable. It leaves out the database server's time:
use it for answers from memory, and `profile_request.py` (wall time) for the rest. Each path
may carry one header after `|`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    from django.core.wsgi import get_wsgi_application

    from bench.wsgi_timing import requester

    app = get_wsgi_application()
    ones = {}
    for arg in argv:
        path, _, header = arg.partition("|")
        headers = dict([header.split(":", 1)]) if header else None
        ones[arg] = requester(app, path, headers)
    best = dict.fromkeys(ones, float("inf"))
    for one in ones.values():
        for _ in range(200):
            one()
    for _ in range(15):  # interleaved batches; the minimum, as timeit advises
        for arg, one in ones.items():
            started = time.process_time()
            for _ in range(300):
                one()
            best[arg] = min(best[arg], (time.process_time() - started) / 300 * 1e6)
    first = best[argv[0]]
    for arg in argv:
        print(f"{best[arg]:7.0f} µs CPU/request  {first / best[arg]:.2f}× the first  {arg}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
