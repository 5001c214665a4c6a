"""The editorial app: clinical review of working copies (four eyes)."""

from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """Review rounds, approvals and comments on treatments' working copies."""

    name = "editorial"
    verbose_name = "Clinical review"
    default_auto_field = "django.db.models.BigAutoField"
