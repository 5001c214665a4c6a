"""Two application servers over one PostgreSQL and one Redis, as real processes.

Two gunicorn instances (two workers each) on different ports share one database and one Redis,
as two machines behind a load balancer would. Each worker keeps its own memory of live content
(`api.live.memories`); the only thing that tells a worker another process changed something is
the change-log head it re-reads (`api.hot.ChangeLogHead`). So:

- a withdrawal made through one server is a 410 on the other within 1 s (a correctness bound:
  apps and partners are told a withdrawn treatment disappears at once), and on *every* worker
  of both once that second has passed;
- after a publish of another treatment, every worker of both serves its new ETag;
- a restore makes the withdrawn treatment 200 again everywhere, with its new ETag.

Each worker is warmed first, so that a stale memory would be served if nothing invalidated it.
"""

import json
import os
import time
from collections.abc import Callable

import pytest

from tests.processes import gunicorn, manage, request, scratch_database, site_env

SLUG = "bone-marrow-stem-cell-injection"
OTHER = "other-treatment"
# A correctness bound, not a performance target.
PROPAGATION_BOUND = 1.0
# Requests per server that reach each of its two workers (sync workers take turns on accept).
SPREAD = 12
# One host for both servers, as a load balancer would send.
HOST = "api.example.test"

SETUP = f"""
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from knox.models import AuthToken
from treatments.content_files import read_content_file, shipped_content_files
from treatments.documents.schema import TreatmentContent
from treatments.services import content_load

call_command("migrate", "--noinput", verbosity=0)
call_command("ensure_roles", verbosity=0)
call_command("load_content", "--publish", verbosity=0)
data = read_content_file(shipped_content_files()[0]).model_dump(mode="json")
data.update(slug="{OTHER}", title="Another treatment")
content_load(content=TreatmentContent.model_validate(data), publish=True)
user = User.objects.create_user("publisher", is_staff=True)
user.groups.set(Group.objects.filter(name__in=["editors", "publishers"]))
print(AuthToken.objects.create(user=user)[1])
"""
IDS = """
import json
from treatments.models import Treatment
print(json.dumps({slug: str(pk) for slug, pk in Treatment.objects.values_list("slug", "id")}))
"""

needs_redis = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="needs Redis: set REDIS_URL (and DATABASE_URL)"
)


def _public(port: int, slug: str) -> tuple[int, str | None]:
    answer = request(port, "GET", f"/api/v1/treatments/{slug}/", headers={"Host": HOST})
    return answer.status, answer.headers.get("ETag")


def _everywhere(ports: list[int], slug: str) -> set[tuple[int, str | None]]:
    """What every worker of every server answers for `slug` (each asked SPREAD times)."""
    return {_public(port, slug) for port in ports for _ in range(SPREAD)}


def _first(ports: list[int], wanted: Callable[[int, str | None], bool]) -> dict[int, float]:
    """Poll each server (in turn, every 10 ms) until it answers as `wanted`; seconds taken."""
    started = time.monotonic()
    taken: dict[int, float] = {}
    while len(taken) < len(ports) and time.monotonic() - started < 10:
        for port in ports:
            if port not in taken and wanted(*_public(port, SLUG)):
                taken[port] = time.monotonic() - started
        time.sleep(0.01)
    return taken


class Editor:
    """The editor API of one server, with a publisher's token."""

    def __init__(self, port: int, token: str, ids: dict[str, str]) -> None:
        self.port, self.token, self.ids = port, token, ids

    def _call(self, method: str, slug: str, action: str = "", body: object = None) -> int:
        path = f"/api/v1/editor/treatments/{self.ids[slug]}/"
        headers = {"Host": HOST, "Authorization": f"Token {self.token}"}
        current = request(self.port, "GET", path, headers=headers)
        assert current.status == 200, current.body
        headers["If-Match"] = current.headers["ETag"]
        headers["Content-Type"] = "application/json"
        data = json.dumps(body if body is not None else {}).encode()
        answer = request(self.port, method, path + action, headers=headers, body=data)
        assert answer.status == 200, answer.body
        return answer.status

    def unpublish(self, slug: str) -> None:
        self._call("POST", slug, "unpublish/")

    def publish(self, slug: str) -> None:
        self._call("POST", slug, "publish/")

    def edit(self, slug: str, summary: str) -> None:
        self._call("PATCH", slug, body={"summary": summary})


@pytest.mark.postgres
@needs_redis
def test_two_servers_agree_a_withdrawal_within_1_s_and_on_every_etag_after() -> None:
    with scratch_database(os.environ["DATABASE_URL"], "_servers") as database_url:
        env = site_env(
            DATABASE_URL=database_url,
            REDIS_URL=os.environ["REDIS_URL"],
            DJANGO_ALLOWED_HOSTS=HOST,
            API_ANON_RATE="100000/minute",
            EDITORIAL_FOUR_EYES="0",
        )
        token = manage("shell", "--no-imports", "-c", SETUP, env=env).strip().splitlines()[-1]
        ids = json.loads(manage("shell", "--no-imports", "-c", IDS, env=env))
        with gunicorn(env, workers=2) as one, gunicorn(env, workers=2) as two:
            ports = [one, two]
            before = _everywhere(ports, SLUG)
            assert len(before) == 1 and next(iter(before))[0] == 200, before
            other_before = _everywhere(ports, OTHER)
            assert len(other_before) == 1, other_before

            # Withdrawn through server one: 410 on server two within the bound.
            Editor(one, token, ids).unpublish(SLUG)
            withdrawn_at = time.monotonic()
            taken = _first(ports, lambda status, _: status == 410)
            assert taken.get(two, float("inf")) < PROPAGATION_BOUND, (
                f"server two served the withdrawn treatment for {taken.get(two)} s"
            )
            print(f"410 after: one {taken.get(one, 0):.3f} s, two {taken[two]:.3f} s")
            # Once the bound has passed, no worker of either server remembers the document.
            time.sleep(max(0.0, withdrawn_at + PROPAGATION_BOUND - time.monotonic()))
            assert _everywhere(ports, SLUG) == {(410, None)}

            # A new revision of another treatment, published through server two: every
            # worker of both serves the new ETag (and the same one).
            editor = Editor(two, token, ids)
            editor.edit(OTHER, "A summary changed on server two.")
            editor.publish(OTHER)
            time.sleep(PROPAGATION_BOUND)
            other_after = _everywhere(ports, OTHER)
            assert len(other_after) == 1 and other_after != other_before, other_after
            assert next(iter(other_after))[0] == 200

            # Restored through server two: 200 everywhere, with one new ETag.
            editor.publish(SLUG)
            taken = _first(ports, lambda status, _: status == 200)
            assert taken.get(one, float("inf")) < PROPAGATION_BOUND, taken
            time.sleep(PROPAGATION_BOUND)
            after = _everywhere(ports, SLUG)
            assert len(after) == 1 and next(iter(after))[0] == 200, after
            assert after != before, "the restore is a new revision, with a new ETag"
