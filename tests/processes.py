"""Real servers for tests that need one: gunicorn in a subprocess, on a free loopback port."""

import contextlib
import http.client
import os
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"
# For a test that serves a SQLite database of its own, whatever the suite's database: the SQLite
# leg of CI (and a plain `make test`) runs it; the PostgreSQL leg would only run it again.
OWN_SQLITE_DATABASE = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="serves a SQLite database of its own: run in the SQLite leg (a plain `make test`)",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def site_env(**overrides: str) -> dict[str, str]:
    """The environment of a served site: local settings with DEBUG off, plus `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "PUBLIC_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> str:
    """Run a management command for a served site and return its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


@contextlib.contextmanager
def scratch_database(url: str, suffix: str) -> Iterator[str]:
    """A fresh PostgreSQL database beside `url`'s (its name + `suffix`), dropped afterwards;
    yields its URL."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + suffix
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Answer:
    """An HTTP response, read whole."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> Answer:
    """One request over a fresh connection (a real HTTP client, nothing in-process)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 1) -> Iterator[int]:
    """Serve config.wsgi with gunicorn and the project's gunicorn config; yield the port."""
    port = free_port()
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(GUNICORN_CONFIG),
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "config.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise AssertionError("gunicorn exited: " + log.read().decode()[-2000:])
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            assert time.monotonic() < deadline, "gunicorn did not start listening in 60 s"
            time.sleep(0.1)
        # The master listens before its worker has loaded the app: wait for a first answer.
        request(port, "GET", "/api/")
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


class Relay:
    """A TCP relay to a server; `cut()` resets every connection and refuses new ones.

    `sent()` is everything the clients have sent through it so far (all connections, in the
    order it arrived): what a database client said, as the server received it. A connection one
    side ends is ended on the other side too, as it would be without the relay.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._sent = bytearray()
        self._ended = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def sent(self) -> bytes:
        with self._lock:
            return bytes(self._sent)

    def ended(self) -> int:
        """How many relayed connections have ended so far."""
        with self._lock:
            return self._ended

    def wait_ended(self, count: int, timeout: float = 10.0) -> None:
        """Wait until `count` relayed connections have ended on both sides.

        Without a relay the kernel tells the client at once that the server ended the
        connection; through it, the relay's thread must first pass the end on, and on a busy
        machine that can come after the client's next request.
        """
        with self._changed:
            assert self._changed.wait_for(lambda: self._ended >= count, timeout), (
                f"{self._ended} of {count} relayed connections ended within {timeout} s"
            )

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            try:
                while True:
                    readable, _, _ = select.select([client, upstream], [], [])
                    for source in readable:
                        data = source.recv(65536)
                        if not data:
                            return
                        if source is client:
                            with self._lock:
                                self._sent += data
                        (upstream if source is client else client).sendall(data)
            finally:
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                with self._changed:
                    self._ended += 1
                    self._changed.notify_all()

    def cut(self) -> None:
        # shutdown() acts at once; close() alone would wait for the threads blocked on them.
        assert self._listener is not None
        with self._lock:
            sockets = [self._listener, *(sock for pair in self._pairs for sock in pair)]
            self._pairs = []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
