"""Title bands for PostgreSQL search: the first page of a search reads one band, not every match.

A search is ordered by title. Without bands PostgreSQL must read and sort every match to give
the first 21 (at 100,000 treatments a three-word query matches 11,000 of them). Bands cut the
title order into consecutive ranges of about 1,000 to 2,000 publications:

- `treatments_search_band(id, lower)`: a band holds the titles from its `lower` (inclusive) to
  the next band's `lower` (exclusive), compared in the database's collation, so that the bands
  in `lower` order follow `ORDER BY title` exactly. The first band's `lower` is ''.
- `treatments_publication.search_band`: the band of the row's title, set by a trigger on every
  insert and every update of `title`, whoever writes the row.
- `search_vector_banded`: the row's search words, each tagged with its band (`knee@12`), in a
  GIN index of its own. `treatments_banded_query(query, bands)` tags a query's words the same
  way for each band and joins the bands with `|`. So "these words in these bands" looks up
  only those bands' keys: a band without a match costs a few key lookups, however common the
  words are in other bands (a plain GIN index would walk the words' whole posting lists). The
  plain `search_vector` and its GIN index stay, for searches in other orders.
- When a band reaches twice the band size, the trigger splits it at its median title. Bands
  never merge (a smaller band only costs less). All of it runs under one transaction-level
  advisory lock, so that two writers never assign by a boundary the other is moving.

The band size is 1,000 rows, or the `treatments.search_band_rows` setting of the session
(tests use small bands). The reading side is treatments/selectors/search.py
(`banded_search_page`). Nothing here changes on SQLite, whose search reads every row anyway.
"""

from django.db import migrations

BAND_LOCK = 7_301_022  # pg_advisory_xact_lock key of band assignment and splits

FORWARD = [
    """
    CREATE TABLE treatments_search_band (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        lower text NOT NULL UNIQUE
    );
    """,
    "INSERT INTO treatments_search_band (lower) VALUES ('');",
    "ALTER TABLE treatments_publication ADD COLUMN search_band integer;",
    f"""
    CREATE OR REPLACE FUNCTION public.treatments_publication_search_band()
    RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        band_rows integer := coalesce(
            nullif(current_setting('treatments.search_band_rows', true), '')::integer, 1000);
        band_size integer;
        band_lower text;
        median text;
        new_band integer;
    BEGIN
        PERFORM pg_advisory_xact_lock({BAND_LOCK});
        SELECT id, lower INTO NEW.search_band, band_lower FROM treatments_search_band
            WHERE lower <= NEW.title ORDER BY lower DESC LIMIT 1;
        SELECT count(*) INTO band_size FROM treatments_publication
            WHERE search_band = NEW.search_band AND treatment_id <> NEW.treatment_id;
        IF band_size + 1 >= 2 * band_rows THEN
            SELECT title INTO median FROM treatments_publication
                WHERE search_band = NEW.search_band
                ORDER BY title OFFSET (band_size / 2) LIMIT 1;
            IF median <= band_lower THEN  -- the lower half all bears the band's first title
                SELECT min(title) INTO median FROM treatments_publication
                    WHERE search_band = NEW.search_band AND title > band_lower;
            END IF;
            IF median > band_lower THEN
                INSERT INTO treatments_search_band (lower) VALUES (median)
                    RETURNING id INTO new_band;
                UPDATE treatments_publication SET search_band = new_band
                    WHERE search_band = NEW.search_band AND title >= median
                    AND treatment_id <> NEW.treatment_id;
                IF NEW.title >= median THEN
                    NEW.search_band := new_band;
                END IF;
            END IF;
        END IF;
        RETURN NEW;
    END
    $$;
    """,
    """
    CREATE TRIGGER treatments_publication_search_band
    BEFORE INSERT OR UPDATE OF title ON treatments_publication
    FOR EACH ROW EXECUTE FUNCTION public.treatments_publication_search_band();
    """,
    # The rows already there: bands every 1,000 titles, then each row's band.
    """
    INSERT INTO treatments_search_band (lower)
    SELECT DISTINCT title FROM (
        SELECT title, row_number() OVER (ORDER BY title, treatment_id) AS position
        FROM treatments_publication
    ) AS ordered
    WHERE mod(position, 1000) = 1 AND title > '';
    """,
    """
    UPDATE treatments_publication AS p SET search_band = (
        SELECT b.id FROM treatments_search_band AS b
        WHERE b.lower <= p.title ORDER BY b.lower DESC LIMIT 1
    );
    """,
    "CREATE INDEX publication_search_band_idx ON treatments_publication (search_band);",
    # A tsvector's words tagged with a band, positions kept (phrases still match). A word over
    # 2,000 bytes is left out (no query can hold it: a query has at most 200 characters, and the
    # tag would take it over PostgreSQL's 2,046-byte limit of a word); a vector whose tagged
    # words would near PostgreSQL's 1 MB limit of a tsvector is NULL, and searches read every
    # match, as without bands, while such a row exists (`banded_search_page`).
    r"""
    CREATE OR REPLACE FUNCTION public.treatments_banded_vector(vector tsvector, band integer)
    RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
    BEGIN
        -- A tagged word's bytes in the vector: its text, '@', the band, its positions.
        IF (SELECT coalesce(sum(octet_length(u.lexeme) + octet_length(band::text) + 4
                + 2 * coalesce(array_length(u.positions, 1), 0)), 0)
            FROM unnest(vector) AS u WHERE octet_length(u.lexeme) <= 2000) > 1000000 THEN
            RETURN NULL;
        END IF;
        RETURN (SELECT coalesce(string_agg(
            '''' || replace(replace(u.lexeme || '@' || band, '\', '\\'), '''', '''''') || ''''
            || coalesce(':' || array_to_string(u.positions, ','), ''), ' '), '')::tsvector
            FROM unnest(vector) AS u WHERE octet_length(u.lexeme) <= 2000);
    END
    $$;
    """,
    # A query's words tagged with each band in turn, the bands joined with `|`.
    r"""
    CREATE OR REPLACE FUNCTION public.treatments_banded_query(query tsquery, bands integer[])
    RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT CASE WHEN numnode(query) = 0 THEN query ELSE (
        SELECT string_agg('(' || regexp_replace(
            query::text, '''((?:[^'']|'''')*)''', '''\1@' || b || '''', 'g') || ')', ' | ')
        FROM unnest(bands) AS b)::tsquery END
    $$;
    """,
    """
    ALTER TABLE treatments_publication ADD COLUMN search_vector_banded tsvector
    GENERATED ALWAYS AS (
        public.treatments_banded_vector(
            to_tsvector(
                public.treatments_search_config(language),
                public.treatments_unaccent(coalesce(search_text, ''))
            ),
            search_band
        )
    ) STORED;
    """,
    """
    CREATE INDEX publication_search_banded_gin ON treatments_publication
    USING gin (search_vector_banded);
    """,
    # The rows whose words are too many to tag (normally none): every search checks.
    """
    CREATE INDEX publication_search_unbanded_idx ON treatments_publication (treatment_id)
    WHERE search_vector_banded IS NULL;
    """,
]
BACKWARD = [
    "DROP INDEX IF EXISTS publication_search_unbanded_idx;",
    "DROP INDEX IF EXISTS publication_search_banded_gin;",
    "ALTER TABLE treatments_publication DROP COLUMN IF EXISTS search_vector_banded;",
    "DROP FUNCTION IF EXISTS public.treatments_banded_query(tsquery, integer[]);",
    "DROP FUNCTION IF EXISTS public.treatments_banded_vector(tsvector, integer);",
    "DROP INDEX IF EXISTS publication_search_band_idx;",
    "DROP TRIGGER IF EXISTS treatments_publication_search_band ON treatments_publication;",
    "DROP FUNCTION IF EXISTS public.treatments_publication_search_band();",
    "ALTER TABLE treatments_publication DROP COLUMN IF EXISTS search_band;",
    "DROP TABLE IF EXISTS treatments_search_band;",
]


def _run(statements: list[str]):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("treatments", "0010_category_names_per_language")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
