"""A database that cannot answer right now: recognised once, answered 503 with Retry-After.

A PostgreSQL restart, a refused connection, a lost network path or a locked or unreadable
SQLite file is not a bug in the request or in the code: the client may retry the same request
shortly and it will work. Django reports all of these as `OperationalError` (or
`InterfaceError` for a connection that is already gone) and, left alone, answers 500. Here they
become `503 Service Unavailable` with `Retry-After`, as problem+json under /api/ and as a short
HTML page elsewhere (the admin). Errors that retrying cannot fix (a missing table, a syntax
error, a constraint) stay what they are.
"""

import copy
import logging
import sqlite3
from typing import Any

from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    NotSupportedError,
    ProgrammingError,
)
from django.http import HttpRequest, HttpResponse

from .problems import problem_response

logger = logging.getLogger("api.outage")

API_PREFIX = "/api/"

# SQLSTATE classes a retry can cure: connection exception, transaction rollback (serialization,
# deadlock), insufficient resources, operator intervention (admin shutdown, "the database system
# is starting up", query cancelled), system error.
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "40", "53", "57", "58"})

# sqlite3 has no error codes on its exceptions in every Python version: these are its messages
# for a database file that cannot be used at the moment.
SQLITE_UNAVAILABLE = (
    "unable to open database file",
    "database is locked",
    "database table is locked",
    "disk i/o error",
    "file is not a database",
    "database disk image is malformed",
    "attempt to write a readonly database",
)


def database_unavailable(exc: BaseException) -> bool:
    """True when `exc` says the database cannot answer now (retry later), not that we erred."""
    if not isinstance(exc, DatabaseError) or isinstance(
        exc, (IntegrityError, DataError, ProgrammingError, NotSupportedError)
    ):
        return False
    if isinstance(exc, InterfaceError):  # "connection already closed"
        return True
    cause = exc.__cause__
    if isinstance(cause, sqlite3.Error):
        message = str(cause).lower()
        return message.startswith(SQLITE_UNAVAILABLE)
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in TRANSIENT_SQLSTATE_CLASSES
    # A driver error without SQLSTATE never reached the server's SQL layer: the connection
    # was refused, reset or timed out.
    return True


def retry_after() -> int:
    """Seconds a client should wait before retrying (`DATABASE_RETRY_AFTER`)."""
    return int(settings.DATABASE_RETRY_AFTER)


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a short HTML page elsewhere."""
    seconds = retry_after()
    logger.warning(
        "Database unavailable (%s: %s) for %s %s; answered 503",
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        request.method,
        request.path,
    )
    if request.path.startswith(API_PREFIX):
        response = problem_response(
            status=503,
            code="database-unavailable",
            detail=(f"The database is unavailable at the moment; retry in {seconds} seconds."),
            instance=request.path,
            retry_after=seconds,
        )
    else:
        response = HttpResponse(
            "<!doctype html><html lang=en><meta charset=utf-8><title>Service unavailable</title>"
            "<h1>Service unavailable</h1><p>The database is unavailable at the moment; "
            f"try again in {seconds} seconds.</p></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


SERVICE_UNAVAILABLE_RESPONSE = {
    "description": (
        "The database is unavailable at the moment (a restart, a lost connection); retry "
        "after the number of seconds in Retry-After."
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0},
        }
    },
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}


def document_service_unavailable(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation may answer 503 (see above)."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in {"get", "put", "patch", "post", "delete", "head"}:
                operation.setdefault("responses", {}).setdefault(
                    "503", copy.deepcopy(SERVICE_UNAVAILABLE_RESPONSE)
                )
    return result
