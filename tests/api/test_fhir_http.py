"""GET /api/v1/treatments/{key}/fhir/ and the detail with Accept: application/fhir+json."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.bundle import Bundle

from api.v1.renditions.fhir import fhir_path
from treatments import services
from treatments.documents.build import build_content, etag_for
from treatments.models import Treatment

pytestmark = pytest.mark.django_db
SLUG = "bone-marrow-stem-cell-injection"
FHIR = f"/api/v1/treatments/{SLUG}/fhir/"
FHIR_JSON = "application/fhir+json"
PROBLEM = "application/problem+json"


def _republish(treatment_id: Any, **changes: Any) -> None:
    """Change the working copy through the services and publish it as a new revision."""
    content = build_content(services.treatment_get_for_edit(treatment_id=treatment_id))
    services.treatment_replace(
        treatment_id=treatment_id,
        content=services.content_validate({**content, **changes}),
        expected_version=Treatment.objects.get(pk=treatment_id).version,
        actor=None,
    )
    services.treatment_publish(
        treatment_id=treatment_id,
        expected_version=Treatment.objects.get(pk=treatment_id).version,
        actor=None,
    )


def test_the_fhir_url_is_where_the_docs_say(seed_published: Any) -> None:
    assert reverse("v1:treatment-fhir", kwargs={"key": SLUG}) == fhir_path(SLUG) == FHIR


def test_the_bundle_is_served_as_fhir_json_with_absolute_urls(
    client: Client, seed_published: Any
) -> None:
    response = client.get(FHIR)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == FHIR_JSON
    assert response["Content-Language"] == "en"
    assert response["Cache-Control"].startswith("public, max-age=")
    assert "Accept" in response["Vary"]
    bundle = response.json()
    Bundle.model_validate(bundle)
    plan = bundle["entry"][0]["resource"]
    assert plan["url"] == f"http://testserver/api/v1/treatments/{seed_published.pk}/"
    assert bundle["link"] == [{"relation": "self", "url": f"http://testserver{FHIR}"}]


def test_the_etag_is_a_hash_of_the_body_and_answers_304(
    client: Client, seed_published: Any
) -> None:
    first = client.get(FHIR)
    assert first["ETag"] == etag_for(first.content)
    again = client.get(FHIR, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again["ETag"] == first["ETag"]
    assert again.content == b""
    _republish(seed_published.pk, summary="A new summary.")
    changed = client.get(FHIR, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["entry"][0]["resource"]["version"] == "2"


def test_the_detail_answers_the_bundle_to_accept_fhir_json(
    client: Client, seed_published: Any
) -> None:
    dedicated = client.get(FHIR)
    negotiated = client.get(f"/api/v1/treatments/{SLUG}/", headers={"Accept": FHIR_JSON})
    assert negotiated.status_code == 200
    assert negotiated["Content-Type"] == FHIR_JSON
    assert negotiated.content == dedicated.content and negotiated["ETag"] == dedicated["ETag"]
    # The plain JSON document is unchanged, and the FHIR answer did not enter its hot cache.
    plain = client.get(f"/api/v1/treatments/{SLUG}/")
    assert plain["Content-Type"] == "application/json" and plain.json()["slug"] == SLUG
    assert client.get(f"/api/v1/treatments/{SLUG}/")["ETag"] == plain["ETag"] != dedicated["ETag"]


def test_plain_json_is_the_same_bundle_labelled_as_json(
    client: Client, seed_published: Any
) -> None:
    response = client.get(FHIR, headers={"Accept": "application/json"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.content == client.get(FHIR).content


def test_other_media_types_and_query_parameters_are_refused(
    client: Client, seed_published: Any
) -> None:
    refused = client.get(FHIR, headers={"Accept": "text/html"})
    assert refused.status_code == 406 and refused["Content-Type"] == PROBLEM
    unknown = client.get(FHIR, {"_format": "json"})
    assert unknown.status_code == 400 and unknown["Content-Type"] == PROBLEM


def test_an_unknown_treatment_is_a_404_and_a_withdrawn_one_a_410(
    client: Client, seed_published: Any
) -> None:
    missing = client.get("/api/v1/treatments/no-such-treatment/fhir/")
    assert missing.status_code == 404 and missing["Content-Type"] == PROBLEM
    services.treatment_unpublish(
        treatment_id=seed_published.pk, expected_version=seed_published.version, actor=None
    )
    gone = client.get(FHIR)
    assert gone.status_code == 410 and gone["Content-Type"] == PROBLEM
    negotiated = client.get(f"/api/v1/treatments/{SLUG}/", headers={"Accept": FHIR_JSON})
    assert negotiated.status_code == 410 and negotiated["Content-Type"] == PROBLEM


def test_the_uuid_answers_too_and_points_to_the_canonical_url(
    client: Client, seed_published: Any
) -> None:
    by_id = client.get(f"/api/v1/treatments/{seed_published.pk}/fhir/")
    assert by_id.status_code == 200
    assert by_id["Link"] == f'<{FHIR}>; rel="canonical"'
    assert by_id.content == client.get(FHIR).content


def test_a_repeat_request_comes_from_memory_and_a_publish_replaces_it(
    client: Client,
    seed_published: Any,
    settings: Any,
    django_assert_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PUBLIC_MEMORY_TTL = 60.0
    with django_assert_num_queries(2):  # the document and the change-log head
        first = client.get(FHIR)
    with django_assert_num_queries(0):
        again = client.get(FHIR)
        negotiated = client.get(f"/api/v1/treatments/{SLUG}/", headers={"Accept": FHIR_JSON})
    assert again.content == first.content == negotiated.content
    with django_capture_on_commit_callbacks(execute=True):
        _republish(seed_published.pk, summary="Changed while in memory.")
    changed = client.get(FHIR)
    assert changed["ETag"] != first["ETag"]
    assert "Changed while in memory." in changed.json()["entry"][0]["resource"]["description"]


def test_options_and_errors_are_plain_json(client: Client, seed_published: Any) -> None:
    options = client.options(FHIR)
    assert options.status_code == 200 and options["Content-Type"] == "application/json"
    assert client.post(FHIR)["Content-Type"] == PROBLEM
