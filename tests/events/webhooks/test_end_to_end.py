"""The issue's promise with real processes: gunicorn, `run_worker`, a receiver on 127.0.0.1.

A partner registers `http://127.0.0.1:PORT/hook` through the API (WEBHOOKS_ALLOW_LOCAL=1) and
receives a signed `treatment.withdrawn` within 5 s of the withdrawal; a receiver that was down
receives the next message once it is back (the retry schedule is shortened to seconds here).
"""

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from standardwebhooks.webhooks import Webhook

from tests.processes import OWN_SQLITE_DATABASE, ROOT, gunicorn, manage, request, site_env

from .receiver import Receiver, running_receiver

# Served from a SQLite database of its own, whatever the suite's: one leg runs it.
pytestmark = OWN_SQLITE_DATABASE

SLUG = "bone-marrow-stem-cell-injection"
SETUP = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("load_content", "--publish", verbosity=0)
from partners.models import Partner
from partners.services import api_key_issue
partner = Partner.objects.create(name="Clinic", contact_email="ops@clinic.example")
print(api_key_issue(partner, name="server")[1])
"""
CHANGE = """
from treatments import services
from treatments.models import Treatment
t = Treatment.objects.get(slug="{slug}")
services.{service}(treatment_id=t.pk, expected_version=t.version, actor=None)
"""


def _wait(condition: Callable[[], bool], seconds: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            return float("inf")
        time.sleep(0.05)
    return time.monotonic() - started


def _received(receiver: Receiver, event_type: str) -> list[bytes]:
    return [r.body for r in receiver.requests if json.loads(r.body)["type"] == event_type]


def test_a_withdrawal_reaches_a_local_partner_within_5_s_and_a_down_receiver_later(
    tmp_path: Path,
) -> None:
    env = site_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        WEBHOOKS_ALLOW_LOCAL="1",
        WEBHOOKS_RETRY_SCHEDULE="1,1,1,1,1,1,1,1",
        WEBHOOKS_RETRY_JITTER="0",
    )
    key = manage("shell", "--no-imports", "-c", SETUP, env=env).strip().splitlines()[-1]
    log = (tmp_path / "worker.log").open("ab")
    with running_receiver() as receiver, gunicorn(env) as port:
        answer = request(
            port,
            "POST",
            "/api/v1/webhooks/endpoints/",
            headers={"X-Api-Key": key, "Content-Type": "application/json"},
            body=json.dumps({"url": receiver.url()}).encode(),
        )
        assert answer.status == 201, answer.body
        secret = json.loads(answer.body)["secret"]
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            manage("shell", "-c", CHANGE.format(slug=SLUG, service="treatment_unpublish"), env=env)
            waited = _wait(lambda: bool(_received(receiver, "treatment.withdrawn")), 30)
            assert waited < 5, f"the withdrawal took {waited:.1f} s to arrive"
            message = receiver.requests[-1]
            event = Webhook(secret).verify(message.body, message.headers)
            assert event["data"]["treatment"]["slug"] == SLUG

            receiver.always = 503  # the partner's server goes down
            manage("shell", "-c", CHANGE.format(slug=SLUG, service="treatment_publish"), env=env)
            # At least once: count the restored attempts themselves (a withdrawal may arrive twice).
            tried = _wait(lambda: len(_received(receiver, "treatment.restored")) >= 2, 30)
            assert tried < 30, "tried again while down"
            assert receiver.always == 503
            receiver.always = 200  # back up
            count = len(receiver.requests)
            assert _wait(lambda: len(receiver.requests) > count, 30) < 30
            last = receiver.requests[-1]
            assert Webhook(secret).verify(last.body, last.headers)["type"] == "treatment.restored"
            restored = [r for r in receiver.requests if b"treatment.restored" in r.body]
            assert len(restored) >= 3
            ids = {r.headers["webhook-id"] for r in restored}
            assert len(ids) == 1, "every retry carries the same webhook-id"
        finally:
            worker.terminate()
            worker.wait(timeout=30)
            log.close()
