"""Settings for a developer's machine: debug on, browsable API, SQLite unless DATABASE_URL."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

# Four eyes may be relaxed on a developer's machine only (EDITORIAL_FOUR_EYES=0).
EDITORIAL_FOUR_EYES = env_bool("EDITORIAL_FOUR_EYES", True)
