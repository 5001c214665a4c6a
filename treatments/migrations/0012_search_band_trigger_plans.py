"""The search-band trigger plans its queries as PostgreSQL does by default (`auto`).

The project backend makes prepared statements run their generic plan for the whole session
(config/database/postgresql/base.py: GENERIC_PLANS), which PL/pgSQL's cached plans follow too;
the trigger of 0011 keeps the choice it was written and measured with.
"""

from django.db import migrations

FORWARD = [
    "ALTER FUNCTION public.treatments_publication_search_band() SET plan_cache_mode = auto;",
]
BACKWARD = [
    "ALTER FUNCTION public.treatments_publication_search_band() RESET plan_cache_mode;",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0011_search_bands")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
