"""The previews app: preview links for drafts."""

from django.apps import AppConfig


class PreviewsConfig(AppConfig):
    """Preview links: signed, expiring, revocable; never on a public route."""

    name = "editorial.previews"
    label = "previews"
    verbose_name = "Preview links"
    default_auto_field = "django.db.models.BigAutoField"
