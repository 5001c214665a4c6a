"""If-Match at every editor door, as RFC 9110 §13.1.1 says: `*`, lists, strong comparison.

A matching header lets the write through (against the version this request read); a
well-formed one that does not match is a 412 with the current ETag; a malformed one is a 400; a
missing one is a 428. Every refusal is a problem document and writes nothing.
"""

import json
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
import requests
from django.test import Client
from knox.models import AuthToken

from api.compression import gzip_etag
from api.preconditions import working_copy_etag
from treatments.documents.build import build_content
from treatments.models import AuditEntry, Revision, Treatment
from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

BASE = "/api/v1/editor"
PROBLEM = "application/problem+json"


class IfMatch(NamedTuple):
    """An If-Match header (`{etag}` is the current ETag) and the status it must get."""

    why: str
    header: str | None
    status: int


CASES = [
    IfMatch("the current ETag", "{etag}", 200),
    IfMatch("star matches the existing working copy", "*", 200),
    IfMatch("a list holding the current ETag", '"stale-0", {etag}, W/"x"', 200),
    IfMatch("the gzip variant's ETag names the same version", "{gzip}", 200),
    IfMatch("a well-formed tag that is not ours", '"stale-0"', 412),
    IfMatch("a list without the current ETag", '"a", "b"', 412),
    IfMatch("the current ETag, weak", "W/{etag}", 412),
    IfMatch("a version that does not exist yet", "{next}", 412),
    IfMatch("not an entity tag", "nonsense", 400),
    IfMatch("a version longer than any issued: well-formed", '"wc-{hex}-v' + "9" * 40 + '"', 412),
    IfMatch("an unbalanced quote", '"wc-{hex}-v1', 400),
    IfMatch("star inside a list", "*, {etag}", 400),
    IfMatch("missing", None, 428),
]


class Door(NamedTuple):
    """One editor write: how to call it and how to tell that it wrote."""

    name: str
    call: Callable[[Client, Treatment, dict[str, str]], Any]
    prepare: Callable[[Treatment], None] = lambda treatment: None


def _patch(client: Client, treatment: Treatment, headers: dict[str, str]) -> Any:
    return client.patch(
        f"{BASE}/treatments/{treatment.pk}/",
        data=json.dumps({"summary": "Changed with If-Match."}),
        content_type="application/json",
        headers=headers,
    )


def _publish(client: Client, treatment: Treatment, headers: dict[str, str]) -> Any:
    return client.post(
        f"{BASE}/treatments/{treatment.pk}/publish/",
        data=json.dumps({"change_note": "If-Match"}),
        content_type="application/json",
        headers=headers,
    )


def _import(client: Client, treatment: Treatment, headers: dict[str, str]) -> Any:
    content = {**build_content(treatment), "summary": "Changed by import with If-Match."}
    return client.post(f"{BASE}/import/", json.dumps(content), "application/json", headers=headers)


def _draft_edit(treatment: Treatment) -> None:
    """Change the working copy without publishing, so that publishing has something to freeze."""
    content = build_content(treatment_get_for_edit(treatment_id=treatment.pk))
    content["summary"] = "A draft waiting to be published."
    treatment_replace(
        treatment_id=treatment.pk,
        content=content_validate(content),
        expected_version=Treatment.objects.get(pk=treatment.pk).version,
        actor=None,
    )


DOORS = [
    Door("patch", _patch),
    Door("publish", _publish, prepare=_draft_edit),
    Door("import", _import),
]


@pytest.fixture
def publisher(roles: dict[str, Any]) -> Client:
    _, token = AuthToken.objects.create(user=roles["publisher"])
    client = Client(headers={"Authorization": f"Token {token}"})
    return client


def _state(treatment: Treatment) -> tuple[int, int, int]:
    """What a write changes: the version, the audit trail and the revisions."""
    return (
        Treatment.objects.get(pk=treatment.pk).version,
        AuditEntry.objects.count(),
        Revision.objects.count(),
    )


def _header(case: IfMatch, treatment: Treatment) -> dict[str, str]:
    if case.header is None:
        return {}
    current = working_copy_etag(treatment.pk, treatment.version)
    value = case.header.format(
        etag=current,
        gzip=gzip_etag(current),
        next=working_copy_etag(treatment.pk, treatment.version + 1),
        hex=treatment.pk.hex,
    )
    return {"If-Match": value}


@pytest.mark.django_db
@pytest.mark.parametrize("door", DOORS, ids=[d.name for d in DOORS])
@pytest.mark.parametrize("case", CASES, ids=[c.why for c in CASES])
def test_every_door_evaluates_if_match_per_rfc_9110(
    publisher: Client, seed_published: Treatment, door: Door, case: IfMatch
) -> None:
    door.prepare(seed_published)
    seed_published.refresh_from_db()
    before = _state(seed_published)
    response = door.call(publisher, seed_published, _header(case, seed_published))
    assert response.status_code == case.status, (case.why, response.content)
    after = _state(seed_published)
    current = working_copy_etag(seed_published.pk, after[0])
    if case.status == 200:
        assert after[0] == before[0] + 1, "the write went through against the version read"
        assert after[1] == before[1] + 1, "and was audited"
        assert response["ETag"] == current
        return
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == case.status
    assert after == before, "a refused write writes nothing"
    if case.status == 412:
        assert response["ETag"] == current, "a 412 carries the current ETag"


@pytest.mark.django_db
def test_publish_with_star_freezes_a_revision(publisher: Client, seed_published: Treatment) -> None:
    _draft_edit(seed_published)
    response = _publish(publisher, seed_published, {"If-Match": "*"})
    assert response.status_code == 200 and response.json()["created"] is True
    assert Revision.objects.filter(treatment=seed_published).count() == 2


class NewSlug(NamedTuple):
    why: str
    header: str | None
    status: int


NEW_SLUG_CASES = [
    NewSlug("no If-Match creates", None, 201),
    NewSlug("star needs a current representation (RFC 9110 §13.1.1)", "*", 412),
    NewSlug("an entity tag cannot match what does not exist", '"wc-0-v1"', 412),
    NewSlug("malformed is still a 400", "nonsense", 400),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", NEW_SLUG_CASES, ids=[c.why for c in NEW_SLUG_CASES])
def test_import_of_a_new_slug_with_if_match_creates_nothing(
    publisher: Client, seed_published: Treatment, case: NewSlug
) -> None:
    content = {**build_content(seed_published), "slug": "a-new-slug"}
    headers = {"If-Match": case.header} if case.header is not None else {}
    before = (Treatment.objects.count(), AuditEntry.objects.count())
    response = publisher.post(
        f"{BASE}/import/", json.dumps(content), "application/json", headers=headers
    )
    assert response.status_code == case.status, response.content
    if case.status == 201:
        assert Treatment.objects.filter(slug="a-new-slug").exists()
        return
    assert response["Content-Type"] == PROBLEM
    assert "ETag" not in response, "there is no current representation to name"
    assert (Treatment.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_a_client_that_echoes_the_etag_it_got_over_gzip_can_write(
    live_server: Any, seed_published: Treatment, roles: dict[str, Any]
) -> None:
    """Clients such as requests ask for gzip by default, and get the gzip variant's ETag."""
    _, token = AuthToken.objects.create(user=roles["editor"])
    url = f"{live_server.url}{BASE}/treatments/{seed_published.pk}/"
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {token}", "Accept-Encoding": "gzip"})
    read = session.get(url, timeout=10)
    assert read.headers["Content-Encoding"] == "gzip"
    etag = read.headers["ETag"]
    assert etag == gzip_etag(working_copy_etag(seed_published.pk, seed_published.version))
    written = session.patch(
        url, json={"summary": "Echoed the gzip ETag."}, headers={"If-Match": etag}, timeout=10
    )
    assert written.status_code == 200, written.text
    stale = session.patch(url, json={"summary": "Stale."}, headers={"If-Match": etag}, timeout=10)
    assert stale.status_code == 412
    retried = session.patch(
        url, json={"summary": "Retried."}, headers={"If-Match": stale.headers["ETag"]}, timeout=10
    )
    assert retried.status_code == 200, "the 412's ETag works as the next If-Match"
    assert Treatment.objects.get(pk=seed_published.pk).summary == "Retried."
    session.close()
