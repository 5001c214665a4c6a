"""PostgreSQL search in each document's own language, insensitive to accents.

The stored tsvector of a publication is built with the text-search configuration of its
`language` (treatments/selectors/search_languages.py; "simple" for a language PostgreSQL has
no stemmer for) over its text with accents removed (the `unaccent` extension, a trusted
contrib extension PostgreSQL 13+ lets the database owner create). The functions are declared
IMMUTABLE so that a generated column and its GIN index may call them; they are
schema-qualified so that a restore with an empty search_path computes the same values.
The table is listed in the migration (not imported) so that later edits of the table do not
rewrite history; a test checks both agree.
"""

from django.db import migrations

SEARCH_CONFIGS = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek",
    "en": "english", "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french",
    "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch",
    "nn": "norwegian", "no": "norwegian", "pt": "portuguese", "ro": "romanian",
    "ru": "russian", "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish",
    "yi": "yiddish",
}  # fmt: skip

_CASES = "\n".join(
    f"        WHEN '{code}' THEN 'pg_catalog.{config}'::regconfig"
    for code, config in sorted(SEARCH_CONFIGS.items())
)

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;",
    f"""
    CREATE OR REPLACE FUNCTION public.treatments_search_config(language text)
    RETURNS regconfig LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE lower(split_part(language, '-', 1))
{_CASES}
        ELSE 'pg_catalog.simple'::regconfig
    END
    $$;
    """,
    """
    CREATE OR REPLACE FUNCTION public.treatments_unaccent(value text)
    RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT public.unaccent('public.unaccent'::regdictionary, value)
    $$;
    """,
    "DROP INDEX IF EXISTS publication_search_gin;",
    "ALTER TABLE treatments_publication DROP COLUMN IF EXISTS search_vector;",
    """
    ALTER TABLE treatments_publication ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        to_tsvector(
            public.treatments_search_config(language),
            public.treatments_unaccent(coalesce(search_text, ''))
        )
    ) STORED;
    """,
    "CREATE INDEX publication_search_gin ON treatments_publication USING gin (search_vector);",
]
BACKWARD = [
    "DROP INDEX IF EXISTS publication_search_gin;",
    "ALTER TABLE treatments_publication DROP COLUMN IF EXISTS search_vector;",
    """
    ALTER TABLE treatments_publication ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english', coalesce(search_text, ''))) STORED;
    """,
    "CREATE INDEX publication_search_gin ON treatments_publication USING gin (search_vector);",
    "DROP FUNCTION IF EXISTS public.treatments_unaccent(text);",
    "DROP FUNCTION IF EXISTS public.treatments_search_config(text);",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0008_review_schedule_preview_audit_actions_and_approve_permission")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
