"""Profile one endpoint in-process: the full WSGI stack of config.settings.bench, no network.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/treatments_bench_10000 \\
        .venv/bin/python bench/profile_request.py \\
        /api/v1/treatments/bone-marrow-stem-cell-injection/ \\
        [-n 2000] [--header 'If-None-Match: "…"'] [--cprofile 40]

Prints the wall time per request (and, with --cprofile N, the N most expensive functions by
cumulative and by internal time). Run it against a database ``bench/run.py`` left behind
(``treatments_bench_<size>``). Without network, wrk or gunicorn in the way it shows where a
request's time goes inside Django: middleware, DRF, django-filter, the ORM, the query.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("-n", type=int, default=2000, help="Requests to time (2000).")
    parser.add_argument("--header", action="append", default=[], help="'Name: value'")
    parser.add_argument("--cprofile", type=int, default=0, help="Show the top N functions.")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    from django.core.wsgi import get_wsgi_application

    from bench.wsgi_timing import requester, time_per_request

    headers = dict(h.split(":", 1) for h in args.header)
    one = requester(get_wsgi_application(), args.path, headers)
    status, size = one()
    micros = time_per_request(one, args.n)
    print(f"{args.path}: {status}, {size} bytes, {micros:.0f} µs/request in-process")

    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.n):
            one()
        profiler.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.cprofile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
