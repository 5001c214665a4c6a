"""Database-level guarantees the ORM cannot express portably.

- Revisions are append-only: the database itself refuses UPDATE (both vendors) and DELETE
  (PostgreSQL; on SQLite, Django's test flush deletes rows, so the ORM guard covers DELETE).
- PostgreSQL full-text search: a generated tsvector column with a GIN index on the read model.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE FUNCTION treatments_revision_immutable() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'treatments_revision rows are immutable (append-only)';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER treatments_revision_no_update BEFORE UPDATE OR DELETE
    ON treatments_revision FOR EACH ROW EXECUTE FUNCTION treatments_revision_immutable();
    """,
    """
    ALTER TABLE treatments_publication ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_text, ''))) STORED;
    """,
    """
    CREATE INDEX publication_search_gin ON treatments_publication USING gin (search_vector);
    """,
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS publication_search_gin;",
    "ALTER TABLE treatments_publication DROP COLUMN IF EXISTS search_vector;",
    "DROP TRIGGER IF EXISTS treatments_revision_no_update ON treatments_revision;",
    "DROP FUNCTION IF EXISTS treatments_revision_immutable();",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER treatments_revision_no_update BEFORE UPDATE ON treatments_revision
    BEGIN SELECT RAISE(ABORT, 'treatments_revision rows are immutable (append-only)'); END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS treatments_revision_no_update;"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
