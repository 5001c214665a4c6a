"""Which values of a treatment document are prose to search, and which are not.

Django-free on purpose: the search projection (treatments/publication/projection.py) and the
bench driver, which builds first-time searches from a document's prose outside Django, share it.
"""

# Keys whose string values are identifiers, codes, dates or addresses, not prose to search.
NOT_SEARCHED = frozenset(
    {
        "schema_version",
        "id",
        "published_at",
        "slug",
        "url",
        "retrieved_on",
        "last_reviewed_on",
        "next_review_due",
        "kind",
        "tissue_source",
        "possible_tissue_sources",
        "band",
        "basis",
        "seriousness",
        "activity",
        "restriction",
        "unit",
        "code",
        "links",
        # schema 1.1: vocabularies and code systems
        "system",
        "role",
        "route",
        "urgency",
        "milestone",
        "period_unit",
        # schema 1.2: vocabularies and unit symbols
        "unit_display",
        "count_relation",
        "outcome",
    }
)
