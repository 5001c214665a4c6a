"""The read replica behind the database router (api/replica.py), proven with two real databases.

The "replica" here is a snapshot of the primary taken before a change, so the two hold
different data and every answer tells which database it was read from: public reads show the
snapshot, the editor API, the admin and edge refills show the primary. Two SQLite files, served
by gunicorn with `DATABASE_REPLICA_URL`; the worker memory is off so that each answer is read.
"""

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test import RequestFactory

from api.replica import PrimaryReplicaRouter, public_reads
from tests.processes import OWN_SQLITE_DATABASE, gunicorn, manage, request, site_env
from treatments.models import Treatment

SLUG = "bone-marrow-stem-cell-injection"
PUBLIC = f"/api/v1/treatments/{SLUG}/"
REPLICATED = "What the replica holds: the summary before the change."
WRITTEN = "What the primary holds: the summary published after the snapshot."
EDITED = "What an editor wrote through the editor API."

# Publish a new summary through the services (`{summary}` is filled in).
PUBLISH = """
from treatments.documents.build import build_content
from treatments.models import Treatment
from treatments.services import (
    content_validate, treatment_get_for_edit, treatment_publish, treatment_replace
)

t = Treatment.objects.get()
content = build_content(treatment_get_for_edit(treatment_id=t.pk))
content["summary"] = "{summary}"
t = treatment_replace(
    treatment_id=t.pk, content=content_validate(content), expected_version=t.version, actor=None
)
treatment_publish(treatment_id=t.pk, expected_version=t.version, actor=None)
"""
SETUP = """
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
call_command("ensure_roles", verbosity=0)
call_command("load_content", "--publish", verbosity=0)
""" + PUBLISH.format(summary=REPLICATED)
# Run on the primary only, after the snapshot: a published change, a token and a session that
# the replica has never seen.
ON_PRIMARY = (
    PUBLISH.format(summary=WRITTEN)
    + """
import json
from django.contrib.auth.models import Group, User
from django.test import Client
from knox.models import AuthToken

editor = User.objects.create_user("publisher", is_staff=True)
editor.groups.set(Group.objects.filter(name__in=["editors", "publishers"]))
admin = User.objects.create_superuser("admin", "admin@example.org", "a-long-admin-password")
client = Client()
client.force_login(admin)
print(json.dumps({
    "token": AuthToken.objects.create(user=editor)[1],
    "session": client.cookies["sessionid"].value,
    "id": str(Treatment.objects.get().pk),
}))
"""
)


def _summary_in(database: Path) -> str:
    with sqlite3.connect(database) as connection:
        (summary,) = connection.execute("SELECT summary FROM treatments_treatment").fetchone()
    return str(summary)


@OWN_SQLITE_DATABASE
def test_public_reads_use_the_replica_and_editors_admin_writes_and_edge_refills_the_primary(
    tmp_path: Path,
) -> None:
    primary, replica = tmp_path / "primary.sqlite3", tmp_path / "replica.sqlite3"
    env = site_env(DATABASE_URL=f"sqlite:///{primary}")
    manage("shell", "--no-imports", "-c", SETUP, env=env)
    with sqlite3.connect(primary) as source, sqlite3.connect(replica) as copy:
        source.backup(copy)  # the replica: the primary as it was
    made = json.loads(manage("shell", "--no-imports", "-c", ON_PRIMARY, env=env).splitlines()[-1])
    assert _summary_in(replica) == REPLICATED

    served = {
        **env,
        "DATABASE_REPLICA_URL": f"sqlite:///{replica}",
        "PUBLIC_MEMORY_TTL": "0",
        "EDITORIAL_FOUR_EYES": "0",
        "EDGE_PURGE_URL": "http://127.0.0.1:9/",  # marks answers for an edge; nothing purges
    }
    editor = {"Authorization": f"Token {made['token']}"}
    item = f"/api/v1/editor/treatments/{made['id']}/"
    with gunicorn(served) as port:

        def public(**headers: str) -> str:
            answer = request(port, "GET", PUBLIC, headers=headers)
            assert answer.status == 200, answer.body
            return str(json.loads(answer.body)["summary"])

        assert public() == REPLICATED, "an anonymous public read uses the replica"
        assert public(Accept="application/json") == REPLICATED
        listed = json.loads(request(port, "GET", "/api/v1/treatments/").body)
        assert [t["summary"] for t in listed["results"]] == [REPLICATED]

        # The token exists only on the primary: a 200 is itself the proof.
        answer = request(port, "GET", item, headers=editor)
        assert answer.status == 200, answer.body
        read = json.loads(answer.body)["content"]["summary"]
        assert read == WRITTEN, "an editor reads the primary"

        # The admin's session exists only on the primary (else: a redirect to the sign-in).
        admin = request(
            port,
            "GET",
            "/admin/treatments/treatment/",
            headers={"Cookie": f"sessionid={made['session']}"},
        )
        assert admin.status == 200, admin.headers

        # An edge refill is kept for a day: built from the primary, never a lagging replica.
        assert public(**{"Surrogate-Capability": 'varnish="ESI/1.0"'}) == WRITTEN

        # A write goes to the primary, and its author reads it back at once.
        changed = request(
            port,
            "PATCH",
            item,
            headers={
                **editor,
                "If-Match": answer.headers["ETag"],
                "Content-Type": "application/json",
            },
            body=json.dumps({"summary": EDITED}).encode(),
        )
        assert changed.status == 200, changed.body
        again = request(port, "GET", item, headers=editor)
        assert json.loads(again.body)["content"]["summary"] == EDITED
        assert public() == REPLICATED
    assert (_summary_in(primary), _summary_in(replica)) == (EDITED, REPLICATED)


def test_without_a_replica_every_read_uses_the_primary() -> None:
    router = PrimaryReplicaRouter()
    with public_reads(RequestFactory().get(PUBLIC)):
        assert router.db_for_read(Treatment) == DEFAULT_DB_ALIAS
        assert router.db_for_write(Treatment) == DEFAULT_DB_ALIAS


@pytest.fixture
def with_replica(settings: Any) -> None:
    """A `replica` alias in the settings (mirroring the primary; no query is made here)."""
    replica = {**settings.DATABASES["default"], "TEST": {"MIRROR": "default"}}
    settings.DATABASES = {**settings.DATABASES, "replica": replica}


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_the_router_reads_the_replica_only_in_a_public_read(with_replica: None) -> None:
    router = PrimaryReplicaRouter()
    factory = RequestFactory()
    assert router.db_for_read(Treatment) == DEFAULT_DB_ALIAS, "outside a public read"
    with public_reads(factory.get(PUBLIC)):
        assert router.db_for_read(Treatment) == "replica"
        assert router.db_for_write(Treatment) == DEFAULT_DB_ALIAS
    for not_public in (
        factory.post(PUBLIC),
        factory.get(PUBLIC, headers={"Surrogate-Capability": 'varnish="ESI/1.0"'}),
    ):
        with public_reads(not_public):
            assert router.db_for_read(Treatment) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Treatment) == DEFAULT_DB_ALIAS, "the flag does not outlive it"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_a_read_inside_a_transaction_uses_the_primary(with_replica: None, db: None) -> None:
    # `db` runs the test inside a transaction on the primary, as a write's reads are.
    assert connections[DEFAULT_DB_ALIAS].in_atomic_block
    with public_reads(RequestFactory().get(PUBLIC)):
        assert PrimaryReplicaRouter().db_for_read(Treatment) == DEFAULT_DB_ALIAS
