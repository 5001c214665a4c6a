"""Time requests in-process through Django's WSGI handler: no network, no load generator.

Single-threaded and free of the socket, gunicorn and wrk costs, this is far steadier than
req/s on a small shared machine; ``bench/run.py`` uses it to judge how an endpoint's cost
changes with the data size, and ``bench/profile_request.py`` to profile one endpoint.
"""

from __future__ import annotations

import io
import itertools
import sys
import time
from collections.abc import Callable
from typing import Any


def environ_for(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A minimal WSGI environ for a GET of `path` (with its query string) on 127.0.0.1."""
    path_info, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.strip().upper().replace("-", "_")] = value.strip()
    return environ


def requester(
    app: Callable[..., Any], path: str | list[str], headers: dict[str, str] | None = None
) -> Callable[[], tuple[str, int]]:
    """A function that performs one request and returns (status line, body length).

    Given a list of paths, each call asks the next one (cycling).
    """
    bases = [environ_for(p, headers) for p in ([path] if isinstance(path, str) else path)]
    turn = itertools.cycle(bases)
    status: list[str] = []

    def start_response(code: str, response_headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    def one() -> tuple[str, int]:
        environ = dict(next(turn))
        environ["wsgi.input"] = io.BytesIO(b"")
        result = app(environ, start_response)
        try:
            size = sum(len(chunk) for chunk in result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return status[-1], size

    return one


def time_per_request(one: Callable[[], Any], n: int, batches: int = 5) -> float:
    """The best of `batches` batches' mean wall time of one request, in microseconds.

    The minimum, as ``timeit`` advises: noise from other processes only ever adds time.
    """
    for _ in range(min(50, n)):
        one()
    per_batch = max(1, n // batches)
    results = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(per_batch):
            one()
        results.append((time.perf_counter() - started) / per_batch * 1e6)
    return min(results)
