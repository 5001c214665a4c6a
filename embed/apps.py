"""The embeddable treatment card (HTML) and the oEmbed provider for partner sites."""

from django.apps import AppConfig


class EmbedConfig(AppConfig):
    name = "embed"
    verbose_name = "Embeddable card and oEmbed"
