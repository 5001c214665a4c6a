"""The webhook and worker phases of `make faults`: receivers that fail, a killed worker, PostgreSQL.

Run by bench/faults.py after its own phases, on the same private PostgreSQL (`--no-webhooks`
skips them, `--webhooks-only` runs them alone): gunicorn (production settings,
WEBHOOKS_ALLOW_LOCAL=1), one worker (`run_worker --interval 0.1`) and a receiver of our own, a
ThreadingHTTPServer on 127.0.0.1 registered as a partner's endpoint, which checks every
signature with the `standardwebhooks` library. Retries are shortened so that the run stays
short (see WEBHOOK_ENV: a 1 s connect and 2 s read timeout, retries after 1 to 8 s, a worker
lost after 5 s). In each phase `--webhook-changes` treatments are withdrawn and restored again
(two events each, in order per treatment) by a long-lived process calling the services (its
wall time is the publish latency); then the fault ends and the phase waits until every event
of the phase reached the receiver, or `LOST_AFTER_SECONDS`:

    hooks normal        the receiver answers 200 at once
    receiver down       its socket is closed (connections refused) for `--fault-seconds`
    receiver slow       it answers 200 after the read timeout (the sender gives up, retries)
    receiver 500        it answers 500
    receiver 410        it answers 410 Gone (what the sender then does is reported)
    worker killed       the receiver holds the first request; the worker gets SIGKILL while
                        it waits for the answer, and a new worker starts a second later
    postgres restarted  the receiver is down, so events are pending; PostgreSQL stops
                        (`pg_ctl stop -m fast`), stays down `--outage-seconds`, starts again;
                        then the receiver comes back. The worker is not restarted by us
                        (whether it lived through the outage is reported)
    hooks back          as hooks normal, after the faults

Per phase: events written to the outbox, events the receiver acknowledged (2xx, in time), lost
(written, never acknowledged: must be 0; events written while the endpoint was disabled by a
410 are not queued for it, by design, and are counted apart), the requests it got, duplicates
(events it took, i.e. answered 200, more than once: at-least-once allows them, e.g. after a
timeout or a killed worker; the receiver drops them by `webhook-id`), events acknowledged out
of order per treatment, requests with a bad signature, the publish latency (median and max)
and how long after the fault ended the last event arrived. Raw figures go to
bench/out/faults-webhooks.json.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import signal
import statistics
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from bench.driver.environment import OUT, PY, ROOT, free_port

# gunicorn(env, workers, log_path) -> a context manager yielding its port (bench/faults.py's).
Gunicorn = Callable[[dict[str, str], int, Path], contextlib.AbstractContextManager[int]]

WEBHOOK_PHASES = [
    "hooks normal",
    "receiver down",
    "receiver slow",
    "receiver 500",
    "receiver 410",
    "worker killed",
    "postgres restarted",
    "hooks back",
]
LOST_AFTER_SECONDS = 120.0
READ_TIMEOUT = 2.0
WEBHOOK_ENV = {
    "WEBHOOKS_ALLOW_LOCAL": "1",
    "WEBHOOKS_CONNECT_TIMEOUT": "1",
    "WEBHOOKS_READ_TIMEOUT": str(READ_TIMEOUT),
    "WEBHOOKS_RETRY_SCHEDULE": "1,1,1,2,2,2,4,4,4,8,8,8,8,8,8",  # about a minute in all
    "WEBHOOKS_RETRY_JITTER": "0",
    "EVENTS_RETRY_BASE_SECONDS": "1",
    "EVENTS_RETRY_MAX_SECONDS": "4",
    "TASKS_WORKER_HEARTBEAT_SECONDS": "1",
    "TASKS_WORKER_LOST_AFTER_SECONDS": "5",
}
# Makes a partner and its endpoint; prints {"id": ..., "secret": ...}.
SETUP = """
import json
from partners.models import Partner
from events.webhooks.services import endpoint_create
partner, _ = Partner.objects.get_or_create(
    name="Faults receiver", defaults={{"contact_email": "ops@receiver.example"}})
endpoint = endpoint_create(partner=partner, url="{url}")
print(json.dumps({{"id": endpoint.pk, "secret": endpoint.secret}}))
"""
ENABLE = """
from events.webhooks.models import WebhookEndpoint
from events.webhooks.services import endpoint_update
endpoint_update(WebhookEndpoint.objects.get(pk={id}), enabled=True)
"""
# A long-lived publisher: reads "withdraw|restore <slug>" lines, answers one JSON line each.
PUBLISHER = """
import json, sys, time
from django.db import close_old_connections, connection
from treatments import services
from treatments.models import Treatment
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    action, slug = line.split()
    started = time.time()
    error = ""
    try:
        close_old_connections()  # as every request does: a connection a restart cut is replaced
        treatment = Treatment.objects.get(slug=slug)
        if action == "withdraw":
            services.treatment_unpublish(
                treatment_id=treatment.pk, expected_version=None, actor=None)
        else:
            services.treatment_publish(
                treatment_id=treatment.pk, expected_version=None, actor=None)
    except Exception as exc:
        connection.close()
        error = f"{type(exc).__name__}: {exc}"[:300]
    print(json.dumps({"slug": slug, "action": action, "started": started,
                      "committed": time.time(), "error": error}), flush=True)
"""


def log(message: str) -> None:
    print(f"[faults {time.strftime('%H:%M:%S')}] {message}", flush=True)


# ---------------------------------------------------------------------------- the receiver


@dataclass
class Receipt:
    """One request the receiver got and what it answered."""

    at: float
    webhook_id: str
    event_type: str
    status: int
    valid: bool
    acknowledged: bool  # a 2xx the sender could take as delivered (not after its timeout)


@dataclass
class Receiver:
    """A partner's server: answers by `mode`, checks every signature with `standardwebhooks`."""

    secret: str = ""
    mode: str = "ok"  # ok | slow | 500 | 410
    hold_next: float = 0.0  # hold the next request this long, then answer 200
    port: int = field(default_factory=free_port)
    receipts: list[Receipt] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.answer(self, body, headers)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Close the socket: connections are refused until `start`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def answer(self, handler: BaseHTTPRequestHandler, body: bytes, headers: dict) -> None:
        at = time.time()
        try:
            message = Webhook(self.secret).verify(body, headers)
            valid, event_type = True, str(message["type"])
        except (WebhookVerificationError, ValueError, KeyError):
            valid, event_type = False, "?"
        with self.lock:
            mode, hold, self.hold_next = self.mode, self.hold_next, 0.0
        status = {"500": 500, "410": 410}.get(mode, 200)
        acknowledged = valid and status == 200 and mode != "slow"
        if hold:
            self.held.set()
            time.sleep(hold)
        elif mode == "slow":
            time.sleep(READ_TIMEOUT + 1.0)
        with self.lock:
            self.receipts.append(
                Receipt(at, headers.get("webhook-id", ""), event_type, status, valid, acknowledged)
            )
        with contextlib.suppress(OSError):  # the sender may have gone (timed out, killed)
            handler.send_response(status)
            handler.send_header("Content-Length", "2")
            handler.end_headers()
            handler.wfile.write(b"ok")


# ------------------------------------------------------------------------- the processes


class Worker:
    """`run_worker` as a child process that can be killed and started again."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.exits: list[int] = []

    def start(self) -> None:
        with (OUT / "faults-webhooks-worker.log").open("ab") as out:
            self.process = subprocess.Popen(
                [PY, "manage.py", "run_worker", "--interval", "0.1", "--no-reload"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Publisher:
    """One `manage.py shell` that withdraws and restores treatments, timing each call."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [PY, "manage.py", "shell", "--no-imports", "-c", PUBLISHER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline()
        if not ready.strip().endswith("true}"):
            raise SystemExit(f"the publisher did not start: {ready!r}")

    def change(self, action: str, slug: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{action} {slug}\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(timeout=30)


def _shell(env: dict[str, str], code: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py shell failed:\n{result.stdout}{result.stderr}")
    return result.stdout


# ---------------------------------------------------------------------------- the database


def _query(database_url: str, sql: str, params: tuple = ()) -> list[tuple]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _last_event_id(database_url: str) -> int:
    return int(_query(database_url, "SELECT coalesce(max(id), 0) FROM events_outboxevent")[0][0])


@dataclass
class Events:
    """The outbox events of one phase and the webhook-id each was sent with."""

    ids: list[int]
    treatment: dict[int, str]  # event id -> treatment id
    created: dict[int, float]  # event id -> created_at (epoch)
    message: dict[str, int]  # webhook-id -> event id
    states: Counter[str]
    # Fanned out with no delivery to our endpoint (it was disabled then): never sent.
    not_queued: set[int]


def _events(database_url: str, first: int, last: int, endpoint_id: int) -> Events:
    rows = _query(
        database_url,
        "SELECT e.id, e.treatment_id::text, extract(epoch FROM e.created_at), d.message_id, "
        "d.state, r.status FROM events_outboxevent e LEFT JOIN webhooks_delivery d "
        "ON d.event_id = e.id AND d.endpoint_id = %s LEFT JOIN events_handlerrun r "
        "ON r.event_id = e.id AND r.handler = 'webhooks.fan_out' "
        "WHERE e.id > %s AND e.id <= %s ORDER BY e.id",
        (endpoint_id, first, last),
    )
    return Events(
        ids=[r[0] for r in rows],
        treatment={r[0]: r[1] for r in rows},
        created={r[0]: float(r[2]) for r in rows},
        message={r[3]: r[0] for r in rows if r[3]},
        states=Counter(r[4] or f"no delivery (fan-out {r[5]})" for r in rows),
        not_queued={r[0] for r in rows if r[3] is None and r[5] == "succeeded"},
    )


def _endpoint(database_url: str, endpoint_id: int) -> tuple[bool, str]:
    rows = _query(
        database_url,
        "SELECT enabled, disabled_reason FROM webhooks_webhookendpoint WHERE id = %s",
        (endpoint_id,),
    )
    return bool(rows[0][0]), str(rows[0][1])


# ------------------------------------------------------------------------------ the phases


@dataclass
class Run:
    """Everything a phase needs."""

    args: argparse.Namespace
    env: dict[str, str]
    database_url: str
    receiver: Receiver
    worker: Worker
    publisher: Publisher
    endpoint_id: int
    postgres: Any
    slugs: Iterator[str]

    def publish(self) -> list[dict[str, Any]]:
        """Withdraw and restore `--webhook-changes` treatments (two events each)."""
        changes = []
        for _ in range(self.args.webhook_changes):
            slug = next(self.slugs)
            changes.append(self.publisher.change("withdraw", slug))
            changes.append(self.publisher.change("restore", slug))
        return changes

    def acknowledged(self, events: Events) -> dict[int, float]:
        """Event id -> when the receiver first acknowledged it."""
        first: dict[int, float] = {}
        with self.receiver.lock:
            receipts = list(self.receiver.receipts)
        for receipt in receipts:
            event = events.message.get(receipt.webhook_id)
            if event is not None and receipt.acknowledged and event not in first:
                first[event] = receipt.at
        return first

    def phase(
        self, name: str, begin: Callable[[], None], end: Callable[[], None], *, hold: float
    ) -> dict[str, Any]:
        """Begin the fault, publish, keep the fault `hold` s, end it, wait for every event."""
        first = _last_event_id(self.database_url)
        started = time.time()
        begin()
        changes = self.publish()
        last = _last_event_id(self.database_url)
        remaining = hold - (time.time() - started)
        if remaining > 0:
            time.sleep(remaining)
        end()
        ended = time.time()
        deadline = ended + LOST_AFTER_SECONDS
        while True:
            events = _events(self.database_url, first, last, self.endpoint_id)
            got = self.acknowledged(events)
            if len(got) + len(events.not_queued) >= len(events.ids) or time.time() > deadline:
                break
            time.sleep(0.2)
        time.sleep(1.0)  # late duplicates of this phase land in it, and the last records
        events = _events(self.database_url, first, last, self.endpoint_id)
        report = self.measure(name, events, changes, started, ended)
        log(f"phase done: {name}")
        return report

    def measure(
        self,
        name: str,
        events: Events,
        changes: list[dict[str, Any]],
        started: float,
        ended: float,
    ) -> dict[str, Any]:
        got = self.acknowledged(events)
        with self.receiver.lock:
            receipts = [r for r in self.receiver.receipts if r.webhook_id in events.message]
            bad = sum(1 for r in self.receiver.receipts if started <= r.at and not r.valid)
        # A duplicate: the receiver took (answered 200 to) an event it had taken already. Its
        # 500s and 410s are refusals, not duplicates.
        taken = Counter(events.message[r.webhook_id] for r in receipts if r.status == 200)
        # In order per treatment: the first acknowledgements follow the outbox order.
        by_treatment: dict[str, list[int]] = defaultdict(list)
        for event in sorted(got, key=lambda e: got[e]):
            by_treatment[events.treatment[event]].append(event)
        out_of_order = sum(
            sum(1 for a, b in itertools.pairwise(ids) if b < a) for ids in by_treatment.values()
        )
        seconds = [c["committed"] - c["started"] for c in changes if not c["error"]]
        arrival = [got[e] - events.created[e] for e in got]
        enabled, reason = _endpoint(self.database_url, self.endpoint_id)
        return {
            "phase": name,
            "events": len(events.ids),
            "acknowledged": len(got),
            "not_queued_endpoint_disabled": len(events.not_queued - set(got)),
            "lost": len(events.ids) - len(got) - len(events.not_queued - set(got)),
            "requests": len(receipts),
            "duplicates": sum(n - 1 for n in taken.values() if n > 1),
            "answers": dict(Counter(str(r.status) for r in receipts)),
            "out_of_order": out_of_order,
            "bad_signatures": bad,
            "publish_errors": [c["error"] for c in changes if c["error"]],
            "publish_median_ms": round(statistics.median(seconds) * 1000, 1) if seconds else None,
            "publish_max_ms": round(max(seconds) * 1000, 1) if seconds else None,
            "event_to_ack_median_s": round(statistics.median(arrival), 2) if arrival else None,
            # 0: the last one came while the fault was being ended (the 410 phase's re-enabling)
            "last_ack_after_fault_s": round(max(0.0, max(got.values()) - ended), 2)
            if got
            else None,
            "deliveries": dict(events.states),
            "endpoint_enabled": enabled,
            "endpoint_disabled_reason": reason,
            "worker_alive": self.worker.alive(),
            "worker_exits": list(self.worker.exits),
        }


def run_webhook_phases(
    args: argparse.Namespace,
    env: dict[str, str],
    slugs: list[str],
    gunicorn: Gunicorn,
    postgres: Any,
) -> None:
    """The webhook phases on the site of `env` (its database holds the published `slugs`)."""
    needed = (len(WEBHOOK_PHASES) + 1) * args.webhook_changes + 1  # + the warm-up
    if len(slugs) < needed:
        raise SystemExit(f"--webhook-changes {args.webhook_changes} needs {needed} treatments")
    env = {**env, **WEBHOOK_ENV}
    database_url = env["DATABASE_URL"]
    receiver = Receiver()
    receiver.start()
    endpoint = json.loads(_shell(env, SETUP.format(url=receiver.url())).strip().splitlines()[-1])
    receiver.secret = endpoint["secret"]
    worker = Worker(env)
    rows: list[dict[str, Any]] = []
    with gunicorn(env, args.workers, OUT / "faults-webhooks-gunicorn.log"):
        worker.start()
        publisher = Publisher(env)
        run = Run(
            args, env, database_url, receiver, worker, publisher, endpoint["id"], postgres,
            iter(slugs[1:]),
        )  # fmt: skip
        try:
            # Not counted: the publisher's and the worker's first change (imports, connections).
            run.phase("warm-up", _nothing, _nothing, hold=0)
            rows = _phases(run)
        finally:
            publisher.close()
            worker.stop()
            receiver.stop()
    report = {"phases": rows, "env": WEBHOOK_ENV, "changes_per_phase": args.webhook_changes}
    _print(rows)
    (OUT / "faults-webhooks.json").write_text(json.dumps(report, indent=2))
    log(f"raw figures in {OUT / 'faults-webhooks.json'}")


def _nothing() -> None:
    pass


def _phases(run: Run) -> list[dict[str, Any]]:
    receiver, worker, hold = run.receiver, run.worker, run.args.fault_seconds

    def mode(name: str) -> Callable[[], None]:
        def set_mode() -> None:
            receiver.mode = name

        return set_mode

    rows = [run.phase("hooks normal", _nothing, _nothing, hold=0)]
    rows.append(run.phase("receiver down", receiver.stop, receiver.start, hold=hold))
    rows.append(run.phase("receiver slow", mode("slow"), mode("ok"), hold=hold))
    rows.append(run.phase("receiver 500", mode("500"), mode("ok"), hold=hold))

    gone: dict[str, Any] = {}

    def after_410() -> None:
        receiver.mode = "ok"
        enabled, reason = _endpoint(run.database_url, run.endpoint_id)
        gone.update(enabled=enabled, reason=reason)
        if not enabled:  # what the partner does once its receiver works again
            _shell(run.env, ENABLE.format(id=run.endpoint_id))

    rows.append(run.phase("receiver 410", mode("410"), after_410, hold=hold))
    # The endpoint as the 410s left it, before the partner enabled it again.
    rows[-1]["enabled_after_410s"] = gone["enabled"]
    rows[-1]["disabled_reason_after_410s"] = gone["reason"]

    def kill_mid_delivery() -> None:
        receiver.held.clear()
        receiver.hold_next = READ_TIMEOUT - 0.5  # answered in time, had the worker lived

    def restart_worker() -> None:
        if not receiver.held.wait(30):
            raise SystemExit("no delivery reached the receiver to kill the worker in")
        worker.kill()
        worker.exits.append(-9)
        time.sleep(1.0)
        worker.start()

    rows.append(run.phase("worker killed", kill_mid_delivery, restart_worker, hold=0))

    def restart_postgres() -> None:
        run.postgres.stop()
        time.sleep(run.args.outage_seconds)
        run.postgres.start()
        time.sleep(1.0)
        if not worker.alive():  # as systemd's Restart=always would; reported
            assert worker.process is not None
            worker.exits.append(int(worker.process.returncode))
            log(f"the worker exited ({worker.process.returncode}) during the outage: restarted")
            worker.start()
        receiver.start()

    rows.append(run.phase("postgres restarted", receiver.stop, restart_postgres, hold=2))
    rows.append(run.phase("hooks back", _nothing, _nothing, hold=0))
    return rows


def _print(rows: list[dict[str, Any]]) -> None:
    print()
    head = (
        f"{'webhook phase':<20}{'events':>7}{'acked':>7}{'lost':>6}{'requests':>9}{'dups':>6}"
        f"{'order':>7}"
        f"{'publish p50/max ms':>20}{'back after s':>14}  answers"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        latency = f"{r['publish_median_ms']}/{r['publish_max_ms']}"
        print(
            f"{r['phase']:<20}{r['events']:>7}{r['acknowledged']:>7}{r['lost']:>6}"
            f"{r['requests']:>9}{r['duplicates']:>6}{r['out_of_order']:>7}{latency:>20}"
            f"{r['last_ack_after_fault_s']!s:>14}  {r['answers']}"
        )
        notes = []
        if r["not_queued_endpoint_disabled"]:
            notes.append(
                f"{r['not_queued_endpoint_disabled']} events written while the endpoint was "
                "disabled were not queued for it (by design; partners catch up with the sync "
                "feed)"
            )
        if r["bad_signatures"]:
            notes.append(f"{r['bad_signatures']} bad signatures")
        if r["publish_errors"]:
            notes.append(f"publish errors: {r['publish_errors']}")
        if r.get("enabled_after_410s") is False:
            notes.append(
                f"the 410s disabled the endpoint ({r['disabled_reason_after_410s']!r}); "
                "the partner enabled it again"
            )
        elif "enabled_after_410s" in r:
            notes.append("the 410s did not disable the endpoint: retried like any failure")
        if not r["endpoint_enabled"]:
            notes.append(f"endpoint disabled: {r['endpoint_disabled_reason']!r}")
        if r["worker_exits"]:
            notes.append(f"worker exits so far: {r['worker_exits']}")
        if notes:
            print(f"{'':<20}{'; '.join(notes)}")
    print(
        "acked: events the receiver answered 2xx in time; lost: events never acked (those not "
        "queued while the endpoint was disabled apart); requests: all it got for them; dups: "
        "events it took (answered 200) more than once, beyond the first; order: events acked "
        "out of order per treatment; back after s: last ack after the fault ended."
    )
