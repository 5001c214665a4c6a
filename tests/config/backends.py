"""What tests of the project's PostgreSQL backend do to a connection from outside."""

from typing import Any

import psycopg


def end_backend(wrapper: Any) -> int:
    """End the server session of Django's connection `wrapper` from a second connection, as a
    restart of PostgreSQL ends it; returns the ended session's process id."""
    pid: int = wrapper.connection.info.backend_pid
    settings = wrapper.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    return pid
