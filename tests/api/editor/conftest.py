"""Fixtures for the editor API: token clients per role and a working copy's ETag."""

from typing import Any

import pytest
from django.test import Client
from knox.models import AuthToken

from api.preconditions import working_copy_etag
from treatments.models import Treatment

BASE = "/api/v1/editor"


class TokenClient:
    """A Django test client that sends `Authorization: Token …` and JSON bodies."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def request(self, method: str, path: str, body: Any = None, **headers: Any) -> Any:
        import json

        call = getattr(self.client, method.lower())
        kwargs: dict[str, Any] = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs["data"] = body if isinstance(body, (bytes, str)) else json.dumps(body)
            kwargs["content_type"] = headers.pop("content_type", "application/json")
        return call(path, **kwargs)


@pytest.fixture
def clients(roles: dict[str, Any]) -> dict[str, TokenClient]:
    made = {"anonymous": TokenClient(None)}
    for name, user in roles.items():
        _, token = AuthToken.objects.create(user=user)
        made[name] = TokenClient(token)
    return made


def etag_of(treatment: Treatment) -> str:
    treatment.refresh_from_db()
    return working_copy_etag(treatment.pk, treatment.version)
