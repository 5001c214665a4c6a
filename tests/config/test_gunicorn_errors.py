"""gunicorn's own refusals (before Django runs) are problem+json too: raw bytes over a socket."""

import json
import socket
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import OWN_SQLITE_DATABASE, gunicorn, site_env

# Served from a SQLite database of its own, whatever the suite's: one leg runs it.
pytestmark = OWN_SQLITE_DATABASE


@dataclass(frozen=True)
class Refusal:
    """A request gunicorn refuses itself, and the status it answers."""

    name: str
    raw: bytes
    status: int
    detail_mentions: str


REFUSALS = [
    Refusal(
        "bad request line", b"THIS IS NOT AN HTTP REQUEST LINE\r\n\r\n", 400, "could not be parsed"
    ),
    Refusal("bad HTTP version", b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "could not be parsed"),
    Refusal("URL too long", b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "4094"),
    Refusal(
        "header too large",
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
        431,
        "8190 bytes",
    ),
    Refusal(
        "too many headers",
        b"GET / HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-H%d: 1\r\n" % i for i in range(120))
        + b"\r\n",
        431,
        "at most 100 headers",
    ),
]


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(raw)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


@pytest.fixture(scope="module", params=["1", "4"], ids=["sync worker", "threaded worker"])
def port(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> object:
    database = Path(tmp_path_factory.mktemp("gunicorn")) / "db.sqlite3"
    env = site_env(DATABASE_URL=f"sqlite:///{database}", GUNICORN_THREADS=request.param)
    with gunicorn(env) as served:
        yield served


@pytest.mark.parametrize("refusal", REFUSALS, ids=lambda r: r.name)
def test_gunicorn_refusals_answer_problem_json_with_the_same_status(
    port: int, refusal: Refusal
) -> None:
    status, headers, body = _exchange(port, refusal.raw)
    assert status == refusal.status
    assert headers["content-type"] == "application/problem+json"
    assert int(headers["content-length"]) == len(body)
    problem = json.loads(body)
    assert problem["status"] == refusal.status
    assert problem["type"].startswith("urn:treatment-knowledge:problem:")
    assert refusal.detail_mentions in problem["detail"]
    assert b"<html" not in body


def test_a_long_echoed_request_line_is_cut_short_in_the_problem(port: int) -> None:
    status, _, body = _exchange(port, b"\x01" * 3000 + b" / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 400
    assert len(json.loads(body)["detail"]) < 400
