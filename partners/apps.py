"""App configuration of partners: sites that use the API with keys, origins and plans."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Partners, their API keys (stored hashed) and their plans."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = "Partner sites"
