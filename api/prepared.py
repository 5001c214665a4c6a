"""The public read path's hot queries sent as prepared statements, where the database keeps them.

The detail and list misses send the same few queries again and again with new values (a slug,
a page's position and size; `treatments.selectors.compiled`). On PostgreSQL the project's
backend (`config/database/postgresql`) can send them bound on the server and prepared, so
PostgreSQL parses and plans each once per connection instead of once per request
(bench/PROFILE.md, "Cache misses"). Elsewhere (SQLite, Django's own backend) this is a no-op;
with preparing turned off (`DATABASE_PREPARED_STATEMENTS=0`) the queries are only bound on the
server. Only the queries run inside `prepared_reads` are prepared: keep it around them.
"""

import contextlib
from collections.abc import Iterator

from django.db import connections, router
from django.db.models import Model


@contextlib.contextmanager
def prepared_reads(model: type[Model]) -> Iterator[None]:
    """Send the queries run inside (reads of `model`) as prepared statements, where possible."""
    connection = connections[router.db_for_read(model)]
    prepared = getattr(connection, "prepared_statements", None)
    if prepared is None:
        yield
        return
    with prepared():
        yield
