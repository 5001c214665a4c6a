"""Bad input at the HTTP edge: every case is a 4xx problem, never a 500, and writes nothing."""

import base64
import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from knox.models import AuthToken

from api.preconditions import working_copy_etag
from treatments.models import AuditEntry, Revision, Treatment

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
PUBLIC = "/api/v1/treatments/"
SLUG = "bone-marrow-stem-cell-injection"
EDITOR = "/api/v1/editor"


@dataclass(frozen=True)
class Written:
    """What a write would change: the working copy's version, audit entries and revisions."""

    version: int
    audit_entries: int
    revisions: int

    @classmethod
    def now(cls, treatment: Treatment) -> "Written":
        treatment.refresh_from_db()
        return cls(treatment.version, AuditEntry.objects.count(), Revision.objects.count())


class Editor:
    """A test client that authenticates with a knox token, like an integration would."""

    def __init__(self, token: str) -> None:
        self.client = Client()
        self.auth = f"Token {token}"

    def send(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        *,
        content_type: str = "application/json",
        **headers: str,
    ) -> Any:
        data = json.dumps(body) if isinstance(body, dict) else body
        return self.client.generic(
            method,
            path,
            data=data or b"",
            content_type=content_type,
            headers={"Authorization": self.auth, **headers},
        )


@pytest.fixture
def editor(roles: dict[str, Any]) -> Editor:
    """A publisher (may edit and publish) with a token."""
    _, token = AuthToken.objects.create(user=roles["publisher"])
    return Editor(token)


@pytest.fixture
def treatment(seed_published: Treatment) -> Iterator[Treatment]:
    """The published seed treatment; the test fails if anything was written to it."""
    before = Written.now(seed_published)
    yield seed_published
    assert Written.now(seed_published) == before, "a refused request must write nothing"


def _item(treatment: Treatment) -> str:
    return f"{EDITOR}/treatments/{treatment.pk}/"


def _etag(treatment: Treatment) -> str:
    treatment.refresh_from_db()
    return working_copy_etag(treatment.pk, treatment.version)


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body: dict[str, Any] = json.loads(response.content)
    assert body["status"] == status
    return body


def _sessions_min(literal: str) -> str:
    """A merge patch setting the course's minimum sessions to a raw JSON number literal."""
    return '{"course": {"sessions": {"min": ' + literal + "}}}"


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


# --- 1. NUL in the URL, the query string and headers ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"{PUBLIC}abc%00def/",
        f"{PUBLIC}{SLUG}%00/",
        f"{PUBLIC}{SLUG}/revisions/%00/",
        "/api/v1/nowhere%00/",
    ],
)
def test_nul_in_the_path_of_a_read_is_a_400_naming_the_path(
    client: Client, seed_published: Treatment, url: str
) -> None:
    body = _problem(client.get(url), 400)
    assert "URL path" in body["detail"]
    assert "\x00" not in body.get("instance", "")


@pytest.mark.parametrize(
    "query",
    ["q=a%00b", "category=%00", "ordering=title%00", "page_size=1%00", "a%00=1", "q=a\x00b"],
)
def test_nul_in_any_query_parameter_is_a_400_naming_the_query_string(
    client: Client, seed_published: Treatment, query: str
) -> None:
    body = _problem(client.get(f"{PUBLIC}?{query}"), 400)
    assert "query string" in body["detail"]


@pytest.mark.parametrize("header", ["If-None-Match", "If-Modified-Since", "Accept", "X-Request-ID"])
def test_nul_in_a_header_of_the_hot_detail_read_is_a_400_naming_the_header(
    client: Client, seed_published: Treatment, header: str
) -> None:
    assert client.get(f"{PUBLIC}{SLUG}/").status_code == 200, "warm the hot cache first"
    response = client.get(f"{PUBLIC}{SLUG}/", headers={header: "a\x00b"})
    body = _problem(response, 400)
    assert header.lower() in body["detail"].lower()


def test_a_nul_request_id_is_refused_and_the_answer_carries_a_fresh_id(
    client: Client, seed_published: Treatment
) -> None:
    response = client.get(f"{PUBLIC}{SLUG}/", headers={"X-Request-ID": "abc\x00def"})
    _problem(response, 400)
    echoed = response["X-Request-ID"]
    assert "\x00" not in echoed and len(echoed) == 32, "RequestIdMiddleware replaced it"


def test_a_cursor_that_decodes_to_nul_is_a_400(client: Client, seed_published: Treatment) -> None:
    response = client.get(PUBLIC, {"cursor": _cursor("o=0&p=a\x00b")})
    body = _problem(response, 400)
    assert body["errors"][0]["pointer"] == "/cursor"


@pytest.mark.parametrize("position", ["garbage", "2026-13-01", "0001-01-01 00:00:00+05:00"])
def test_a_cursor_position_that_is_no_publication_time_is_a_400(
    client: Client, seed_published: Treatment, position: str
) -> None:
    query = {"ordering": "published_at", "cursor": _cursor(f"p={position}")}
    body = _problem(client.get(PUBLIC, query), 400)
    assert body["errors"][0]["pointer"] == "/cursor"


def test_a_cursor_position_past_the_last_utc_time_is_an_empty_page_or_a_400(
    client: Client, seed_published: Treatment
) -> None:
    # In UTC this is year 10000: PostgreSQL compares it (nothing is later), while Python cannot
    # convert it for SQLite and the cursor is refused. Either way, never a 500.
    query = {"ordering": "published_at", "cursor": _cursor("p=9999-12-31 23:59:59-10:00")}
    response = client.get(PUBLIC, query)
    if response.status_code == 200:
        assert response.json()["results"] == []
    else:
        assert _problem(response, 400)["errors"][0]["pointer"] == "/cursor"


def test_nul_in_the_path_of_a_write_is_a_400_and_writes_nothing(
    editor: Editor, treatment: Treatment
) -> None:
    response = editor.send(
        "PATCH", f"{_item(treatment)}%00", {"summary": "x"}, **{"If-Match": _etag(treatment)}
    )
    _problem(response, 400)


@pytest.mark.parametrize("header", ["If-Match", "X-Request-ID", "Accept-Language"])
def test_nul_in_a_header_of_a_write_is_a_400_and_writes_nothing(
    editor: Editor, treatment: Treatment, header: str
) -> None:
    headers = {"If-Match": _etag(treatment)}
    headers[header] = headers.get(header, "value") + "\x00"
    response = editor.send("PATCH", _item(treatment), {"summary": "x"}, **headers)
    body = _problem(response, 400)
    assert header.lower() in body["detail"].lower()


def test_nul_in_the_content_type_of_a_write_is_a_400_and_writes_nothing(
    editor: Editor, treatment: Treatment
) -> None:
    response = editor.send(
        "PATCH",
        _item(treatment),
        {"summary": "x"},
        content_type="application/json\x00",
        **{"If-Match": _etag(treatment)},
    )
    _problem(response, 400)


def test_nul_in_the_query_string_of_an_import_is_a_400_and_writes_nothing(
    editor: Editor, treatment: Treatment, seed_data: dict[str, Any]
) -> None:
    response = editor.send("POST", f"{EDITOR}/import/?dry_run=false%00", seed_data)
    _problem(response, 400)


# --- 2. Bodies without Content-Length --------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def _chunked(*chunks: bytes) -> bytes:
    """A body in HTTP/1.1 chunked transfer coding, terminated by the zero-length chunk."""
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def test_a_chunked_patch_without_content_length_is_411_and_writes_nothing(
    live_server: Any, seed_published: Treatment, roles: dict[str, Any]
) -> None:
    _, token = AuthToken.objects.create(user=roles["publisher"])
    before = Written.now(seed_published)
    url = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(url.hostname or "localhost", url.port, timeout=30)
    try:
        # The body is chunk-encoded up front so the request leaves in one write: the server
        # answers without reading the body, and a client still sending chunks would race it.
        connection.request(
            "PATCH",
            _item(seed_published),
            body=_chunked(b'{"summary": ', b'"Sent in chunks."}'),
            headers={
                "Authorization": f"Token {token}",
                "If-Match": _etag(seed_published),
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
            },
        )
        response = connection.getresponse()
        status, content_type = response.status, response.getheader("Content-Type")
        body = json.loads(response.read())
    finally:
        connection.close()
    assert status == 411
    assert content_type == PROBLEM
    assert "Content-Length" in body["detail"]
    assert Written.now(seed_published) == before
    assert Treatment.objects.get(pk=seed_published.pk).summary != "Sent in chunks."


def test_transfer_encoding_without_content_length_is_411_for_any_api_method(
    editor: Editor, treatment: Treatment
) -> None:
    response = editor.send(
        "POST",
        f"{_item(treatment)}publish/",
        b"{}",
        **{"If-Match": _etag(treatment), "Content-Length": "", "Transfer-Encoding": "chunked"},
    )
    _problem(response, 411)


def test_transfer_encoding_with_content_length_is_a_400_and_writes_nothing(
    editor: Editor, treatment: Treatment
) -> None:
    response = editor.send(
        "PATCH",
        _item(treatment),
        {"summary": "x"},
        **{"If-Match": _etag(treatment), "Transfer-Encoding": "chunked"},
    )
    _problem(response, 400)


@pytest.mark.parametrize(
    ("length", "status"),
    [
        ("\u00b2", 400),
        ("-1", 400),
        ("1e3", 400),
        ("1\x00", 400),
        ("9" * 5000, 413),
        ("0" * 5000 + "9" * 20, 413),
    ],
)
def test_a_content_length_that_is_no_plausible_size_is_a_4xx_and_writes_nothing(
    editor: Editor, treatment: Treatment, length: str, status: int
) -> None:
    response = editor.send(
        "PATCH",
        _item(treatment),
        {"summary": "x"},
        **{"If-Match": _etag(treatment), "Content-Length": length},
    )
    _problem(response, status)


# --- 3. and 4. JSON bodies: duplicate keys, numbers ------------------------------------------


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('{"summary": "a", "summary": "b"}', "summary"),
        ('{"course": {"text": "a", "text": "b"}}', "text"),
    ],
)
def test_a_key_given_twice_in_one_object_is_a_400_naming_the_key(
    editor: Editor, treatment: Treatment, body: str, key: str
) -> None:
    response = editor.send("PATCH", _item(treatment), body, **{"If-Match": _etag(treatment)})
    problem = _problem(response, 400)
    assert f'"{key}" appears more than once' in problem["detail"]


def test_a_number_too_large_for_a_float_is_refused_at_its_pointer(
    editor: Editor, treatment: Treatment, seed_data: dict[str, Any]
) -> None:
    steps = seed_data["procedure"]["steps"]
    assert steps[1]["quantity"]["max"] == 10.0, "the seed's second step draws about 10 cc"
    body = json.dumps({"procedure": {"steps": steps}}).replace('"max": 10.0', '"max": 1e400')
    response = editor.send("PATCH", _item(treatment), body, **{"If-Match": _etag(treatment)})
    problem = _problem(response, 400)
    assert "/procedure/steps/1/quantity/max" in [e["pointer"] for e in problem["errors"]]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_a_400(
    editor: Editor, treatment: Treatment, literal: str
) -> None:
    body = _sessions_min(literal)
    response = editor.send("PATCH", _item(treatment), body, **{"If-Match": _etag(treatment)})
    _problem(response, 400)


@pytest.mark.parametrize("digits", [101, 5000, 100_000])
def test_an_integer_with_too_many_digits_is_a_400(
    editor: Editor, treatment: Treatment, digits: int
) -> None:
    body = _sessions_min("9" * digits)
    response = editor.send("PATCH", _item(treatment), body, **{"If-Match": _etag(treatment)})
    problem = _problem(response, 400)
    assert f"{digits} digits" in problem["detail"]


def test_a_long_but_allowed_integer_is_refused_by_the_contract_at_its_pointer(
    editor: Editor, treatment: Treatment
) -> None:
    body = _sessions_min("9" * 100)
    response = editor.send("PATCH", _item(treatment), body, **{"If-Match": _etag(treatment)})
    problem = _problem(response, 400)
    assert "/course/sessions/min" in [e["pointer"] for e in problem["errors"]]


# --- 5. If-Match with an oversized version ---------------------------------------------------


@pytest.mark.parametrize("version", ["9" * 10, "9" * 5000, "1" + "0" * 20])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"summary": "x"}),
        ("PUT", "", None),
        ("DELETE", "", None),
        ("POST", "publish/", {}),
        ("POST", "unpublish/", {}),
        ("POST", "revert/", {"revision": 1}),
    ],
)
def test_an_if_match_version_with_too_many_digits_is_a_412(
    editor: Editor,
    treatment: Treatment,
    seed_data: dict[str, Any],
    version: str,
    method: str,
    suffix: str,
    body: Any,
) -> None:
    etag = f'"wc-{treatment.pk.hex}-v{version}"'
    payload = seed_data if method == "PUT" else body
    response = editor.send(method, _item(treatment) + suffix, payload, **{"If-Match": etag})
    # Well-formed, just never issued (RFC 9110 §13.1.1): a failed precondition, not a 400.
    problem = _problem(response, 412)
    assert f"{len(version)} digits" in problem["detail"]
    assert response["ETag"] == _etag(treatment)


def test_an_if_match_version_with_nine_digits_is_merely_stale(
    editor: Editor, treatment: Treatment
) -> None:
    etag = f'"wc-{treatment.pk.hex}-v{"9" * 9}"'
    response = editor.send("PATCH", _item(treatment), {"summary": "x"}, **{"If-Match": etag})
    _problem(response, 412)
    assert response["ETag"] == _etag(treatment)


def test_an_import_with_an_oversized_if_match_is_a_412_and_writes_nothing(
    editor: Editor, treatment: Treatment, seed_data: dict[str, Any]
) -> None:
    changed = {**seed_data, "summary": "Imported summary."}
    etag = f'"wc-{treatment.pk.hex}-v{"9" * 5000}"'
    response = editor.send("POST", f"{EDITOR}/import/", changed, **{"If-Match": etag})
    _problem(response, 412)


# --- 6. Action bodies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b'{"revision": "1"}',
        b'{"revision": 1.0}',
        b'{"revision": true}',
        b'{"revision": null}',
        b'{"revision": [1]}',
        b'{"revision": 0}',
        b'{"revision": 1, "surprise": 1}',
        b'{"revision": 1, "change_note": 5}',
        b"null",
        b"[]",
        b"[1]",
        b'"1"',
        b"1",
    ],
)
def test_a_revert_body_that_is_not_exactly_typed_is_a_400(
    editor: Editor, treatment: Treatment, body: bytes
) -> None:
    response = editor.send(
        "POST", f"{_item(treatment)}revert/", body, **{"If-Match": _etag(treatment)}
    )
    _problem(response, 400)


@pytest.mark.parametrize("action", ["publish", "unpublish", "revert"])
@pytest.mark.parametrize(
    "note", ["nul \u0000 here", "bell \u0007", "delete \u007f", "c1 \u0085", "bidi \u202e"]
)
def test_a_change_note_with_control_characters_is_a_400_pointing_at_it(
    editor: Editor, treatment: Treatment, action: str, note: str
) -> None:
    body: dict[str, Any] = {"change_note": note}
    if action == "revert":
        body["revision"] = 1
    response = editor.send(
        "POST", f"{_item(treatment)}{action}/", body, **{"If-Match": _etag(treatment)}
    )
    problem = _problem(response, 400)
    assert [e["pointer"] for e in problem["errors"]] == ["/change_note"]


@pytest.mark.parametrize("body", [b"null", b"[]", b'"note"', b"true", b'{"change_note": null}'])
def test_a_publish_body_that_is_not_an_object_of_strings_is_a_400(
    editor: Editor, treatment: Treatment, body: bytes
) -> None:
    response = editor.send(
        "POST", f"{_item(treatment)}publish/", body, **{"If-Match": _etag(treatment)}
    )
    _problem(response, 400)


def test_a_change_note_with_tabs_and_line_breaks_is_accepted(
    editor: Editor, seed_published: Treatment
) -> None:
    response = editor.send(
        "POST",
        f"{_item(seed_published)}unpublish/",
        {"change_note": "Withdrawn:\tpending review\r\nby the clinic."},
        **{"If-Match": _etag(seed_published)},
    )
    assert response.status_code == 200, response.content
