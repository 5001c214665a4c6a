"""The HTTP cache headers of live representations (documents, pages, renditions, cards)."""

from django.conf import settings


def live_cache_control() -> str:
    """Cache-Control of anything served from live content: shared caches may keep it briefly."""
    return (
        f"public, max-age={settings.PUBLIC_MAX_AGE}, "
        f"stale-while-revalidate={settings.PUBLIC_STALE_WHILE_REVALIDATE}"
    )
