"""The one permission policy as the API applies it, and writes that change nothing."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from knox.models import AuthToken

from treatments.models import AuditEntry, Treatment
from treatments.permissions import (
    EDITOR_ACTIONS,
    PUBLISHER_ACTIONS,
    REVIEWER_ACTIONS,
    Action,
    can,
    role_permissions,
)

from .conftest import BASE, TokenClient, etag_of

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Grant:
    """What one group's member may do, by the policy."""

    group: str
    allowed: frozenset[Action]


GRANTS = [
    Grant("editors", EDITOR_ACTIONS),
    Grant("publishers", PUBLISHER_ACTIONS),
    Grant("clinical reviewers", REVIEWER_ACTIONS),
]


@pytest.mark.parametrize("grant", GRANTS, ids=lambda g: g.group)
def test_each_group_grants_exactly_its_actions(roles: dict[str, Any], grant: Grant) -> None:
    user = User.objects.create_user(f"only-{grant.group}")
    user.groups.add(Group.objects.get(name=grant.group))
    allowed = {action for action in Action if can(user, action)}
    assert allowed == set(grant.allowed)


def test_publishers_can_do_everything_editors_can() -> None:
    assert EDITOR_ACTIONS < PUBLISHER_ACTIONS
    assert {
        Action.PUBLISH,
        Action.UNPUBLISH,
        Action.REVERT,
        Action.DELETE,
    } == PUBLISHER_ACTIONS - EDITOR_ACTIONS


def test_clinical_reviewers_approve_and_read_but_change_nothing() -> None:
    assert Action.APPROVE not in PUBLISHER_ACTIONS, "approving is the reviewers' alone"
    codenames = role_permissions(REVIEWER_ACTIONS)
    assert "approve_treatment" in codenames
    assert "view_step" in codenames
    assert not [c for c in codenames if c.startswith(("add_", "change_", "delete_"))]


def test_a_member_of_publishers_alone_can_read_and_edit(
    roles: dict[str, Any], seed_published: Any
) -> None:
    user = User.objects.create_user("publisher-only")
    user.groups.add(Group.objects.get(name="publishers"))
    client = TokenClient(AuthToken.objects.create(user=user)[1])
    assert client.request("GET", f"{BASE}/treatments/").status_code == 200
    patched = client.request(
        "PATCH",
        f"{BASE}/treatments/{seed_published.pk}/",
        {"summary": "Edited by a publisher."},
        **{"If-Match": etag_of(seed_published)},
    )
    assert patched.status_code == 200


def test_an_inactive_user_can_do_nothing(roles: dict[str, Any]) -> None:
    user = roles["publisher"]
    user.is_active = False
    assert not any(can(user, action) for action in Action)
    assert all(can(None, action) for action in Action), "None is the system itself"


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_a_write_that_changes_nothing_bumps_nothing_and_says_so(
    clients: dict[str, TokenClient], seed_published: Any, seed_data: dict[str, Any], method: str
) -> None:
    editor = clients["editor"]
    url = f"{BASE}/treatments/{seed_published.pk}/"
    etag = etag_of(seed_published)
    audits = AuditEntry.objects.count()
    body = {"summary": seed_data["summary"]} if method == "PATCH" else seed_data
    response = editor.request(method, url, body, **{"If-Match": etag})
    assert response.status_code == 200
    assert response["Write-Outcome"] == "unchanged"
    assert response["ETag"] == etag, "nobody else's If-Match goes stale"
    assert Treatment.objects.get().version == seed_published.version
    assert AuditEntry.objects.count() == audits


def test_an_empty_patch_changes_nothing(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    etag = etag_of(seed_published)
    response = clients["editor"].request(
        "PATCH", f"{BASE}/treatments/{seed_published.pk}/", {}, **{"If-Match": etag}
    )
    assert (response.status_code, response["Write-Outcome"]) == (200, "unchanged")
    assert response["ETag"] == etag


def test_a_stale_write_is_refused_even_when_it_would_change_nothing(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    editor = clients["editor"]
    url = f"{BASE}/treatments/{seed_published.pk}/"
    stale = etag_of(seed_published)
    editor.request("PATCH", url, {"summary": "Someone else's edit."}, **{"If-Match": stale})
    response = editor.request("PATCH", url, {}, **{"If-Match": stale})
    assert response.status_code == 412


def test_a_write_that_changes_something_says_updated(
    clients: dict[str, TokenClient], seed_published: Any
) -> None:
    response = clients["editor"].request(
        "PATCH",
        f"{BASE}/treatments/{seed_published.pk}/",
        {"summary": "A real change."},
        **{"If-Match": etag_of(seed_published)},
    )
    assert (response.status_code, response["Write-Outcome"]) == (200, "updated")
    assert Treatment.objects.get().version == seed_published.version + 1
