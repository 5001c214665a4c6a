"""The change log is append-only in the database too, like revisions (see 0002).

The database refuses UPDATE (both vendors) and DELETE (PostgreSQL; on SQLite, Django's test
flush deletes rows, so the ORM guard covers DELETE there).
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE FUNCTION treatments_changelog_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'treatments_changelogentry rows are append-only';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER treatments_changelog_no_update BEFORE UPDATE OR DELETE
    ON treatments_changelogentry FOR EACH ROW
    EXECUTE FUNCTION treatments_changelog_append_only();
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS treatments_changelog_no_update ON treatments_changelogentry;",
    "DROP FUNCTION IF EXISTS treatments_changelog_append_only();",
]
SQLITE_FORWARD = [
    """
    CREATE TRIGGER treatments_changelog_no_update BEFORE UPDATE ON treatments_changelogentry
    BEGIN SELECT RAISE(ABORT, 'treatments_changelogentry rows are append-only'); END;
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS treatments_changelog_no_update;"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0004_publication_hub_and_contract_rules")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
