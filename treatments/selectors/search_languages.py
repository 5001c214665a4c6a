"""Which PostgreSQL text-search configuration stems a document's language.

One table, used on both sides of a match: migration 0009 writes it into the SQL function
`treatments_search_config(language)` that the stored tsvector column calls per row, and the
search parses a query with the same function, so a Spanish document and a Spanish query are
stemmed alike. A language PostgreSQL ships no stemmer for is matched word for word
("simple"). The keys are ISO 639-1 primary subtags: "es-MX" is stemmed as "es".
"""

SEARCH_CONFIGS: dict[str, str] = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
FALLBACK_CONFIG = "simple"


def search_config(language: str) -> str:
    """The configuration for a BCP 47 tag: its primary subtag's stemmer, or "simple"."""
    return SEARCH_CONFIGS.get(language.split("-", 1)[0].lower(), FALLBACK_CONFIG)
