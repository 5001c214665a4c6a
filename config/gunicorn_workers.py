"""gunicorn workers whose own error answers (400, 414, 431, …) are problem+json, not HTML.

gunicorn refuses some requests before Django sees them: a request line it cannot parse (400),
one longer than `limit_request_line` (414), too many or too large headers (431), a bad chunked
body (400), an unsupported transfer coding (501). It then writes a small HTML page itself.
These workers keep gunicorn's decision (which status, and its log line) and change only the
bytes written: the same status, `Content-Type: application/problem+json`, and an RFC 9457 body
that tells the client what to fix. Select one with `worker_class` (see config/gunicorn.py).
"""

import html
import json
import re
import socket
from typing import Any

from gunicorn.workers.gthread import ThreadWorker
from gunicorn.workers.sync import SyncWorker

from api.problems import PROBLEM_CONTENT_TYPE, problem_body

_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)\r\n")
_MESSAGE = re.compile(r"</h1>\s*(.*?)\s*</body>", re.DOTALL)
MAX_ECHOED = 200  # characters of gunicorn's own message quoted back (it may echo the request)


def _detail(status: int, gunicorn_message: str, cfg: Any) -> str:
    if status == 414:
        return (
            f"The request line (method, URL, version) is longer than the "
            f"{cfg.limit_request_line} bytes this server accepts; shorten the URL or its query."
        )
    if status == 431:
        return (
            f"The request headers are too many or too large (at most {cfg.limit_request_fields} "
            f"headers of at most {cfg.limit_request_field_size} bytes each); send fewer or "
            "smaller headers."
        )
    said = gunicorn_message[:MAX_ECHOED] + ("…" if len(gunicorn_message) > MAX_ECHOED else "")
    if status == 400:
        return f"The request could not be parsed as HTTP/1.1 ({said}); check its syntax."
    return said or "The server could not handle this request."


def problem_bytes(gunicorn_response: bytes, cfg: Any) -> bytes:
    """gunicorn's HTML error response rewritten as a problem+json response (same status)."""
    match = _STATUS_LINE.match(gunicorn_response)
    if match is None:  # not an error page as we know it: send it unchanged
        return gunicorn_response
    status = int(match.group(1))
    reason = match.group(2).decode("latin-1")
    found = _MESSAGE.search(gunicorn_response.decode("latin-1"))
    message = html.unescape(found.group(1)) if found else ""
    body = json.dumps(
        problem_body(status=status, detail=_detail(status, message, cfg)),
        ensure_ascii=True,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        f"Content-Type: {PROBLEM_CONTENT_TYPE}\r\n"
        "Cache-Control: no-store\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _ProblemSocket:
    """The client socket, except that the error page gunicorn writes leaves as problem+json."""

    def __init__(self, sock: socket.socket, cfg: Any) -> None:
        self._sock = sock
        self._cfg = cfg

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(problem_bytes(bytes(data), self._cfg))

    def send(self, data: bytes) -> int:
        self.sendall(data)
        return len(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class ProblemSyncWorker(SyncWorker):
    """gunicorn's sync worker, answering its own errors with problem+json."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemSocket(client, self.cfg), addr, exc)


class ProblemThreadWorker(ThreadWorker):
    """gunicorn's threaded worker (gthread), answering its own errors with problem+json."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        super().handle_error(req, _ProblemSocket(client, self.cfg), addr, exc)
