"""The translations app: links a translation's working copy to its source treatment."""

from django.apps import AppConfig


class TranslationsConfig(AppConfig):
    """Translations of treatments, marked outdated when their source publishes anew."""

    name = "editorial.translations"
    label = "translations"
    verbose_name = "Translations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from treatments.admin.panels import change_page_panel_register
        from treatments.publication import publication_hooks

        from .hooks import follow_the_source
        from .panels import add_translation_panel, translation_panel, translations_panel

        for panel in (translation_panel, translations_panel, add_translation_panel):
            change_page_panel_register(panel)

        hooks = publication_hooks()
        if follow_the_source not in hooks:
            hooks.append(follow_the_source)
