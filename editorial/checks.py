"""System checks of the editorial room: production keeps the four-eyes rule."""

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def four_eyes_on(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn (check --deploy) when EDITORIAL_FOUR_EYES is off."""
    if getattr(settings, "EDITORIAL_FOUR_EYES", True):
        return []
    return [
        checks.Warning(
            "EDITORIAL_FOUR_EYES is off: people can publish their own unreviewed changes.",
            hint="Turn it on (EDITORIAL_FOUR_EYES=1, the default); relax it only on a "
            "developer's machine.",
            id="editorial.W001",
        )
    ]
