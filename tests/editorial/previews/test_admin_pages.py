"""The change page's boxes for diffs and preview links, and what the admin pages answer."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_change_page_links_to_the_diff_and_the_preview_links(
    client: Client, roles: dict[str, Any], seed_published: Any
) -> None:
    client.force_login(roles["editor"])
    html = client.get(
        reverse("admin:treatments_treatment_change", args=[seed_published.pk])
    ).content.decode()
    compare = reverse("admin:previews_compare", args=[seed_published.pk])
    links = reverse("admin:previews_links", args=[seed_published.pk])
    assert f'<a href="{compare}">Compare with live</a>' in html
    assert "The working copy is what live revision 1 shows." in html
    assert f'<a href="{links}">Preview links</a>' in html
    assert "0 active links" in html


def test_a_draft_offers_to_compare_versions_instead(
    client: Client, roles: dict[str, Any], seed_draft: Any
) -> None:
    client.force_login(roles["editor"])
    html = client.get(
        reverse("admin:treatments_treatment_change", args=[seed_draft.pk])
    ).content.decode()
    assert ">Compare versions</a>" in html and "Nothing is live" in html
    page = client.get(reverse("admin:previews_compare", args=[seed_draft.pk]))
    assert page.status_code == 200
    assert "never published" in page.content.decode()


@pytest.mark.parametrize(
    "query, status", [("from=7", 404), ("from=latest", 400), ("from=1&to=1", 200)]
)
def test_the_compare_page_says_what_is_wrong_with_a_choice(
    client: Client, roles: dict[str, Any], seed_published: Any, query: str, status: int
) -> None:
    client.force_login(roles["editor"])
    url = reverse("admin:previews_compare", args=[seed_published.pk])
    assert client.get(f"{url}?{query}").status_code == status


def test_the_pages_need_an_editorial_role(
    client: Client, roles: dict[str, Any], seed_published: Any
) -> None:
    roles["nobody"].is_staff = True
    roles["nobody"].save()
    client.force_login(roles["nobody"])
    for name in ("admin:previews_compare", "admin:previews_links"):
        assert client.get(reverse(name, args=[seed_published.pk])).status_code == 403
    links = reverse("admin:previews_links", args=[seed_published.pk])
    assert client.post(links, {"days": "7"}).status_code == 403
