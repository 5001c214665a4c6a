"""The previews app: preview links for drafts."""

from django.apps import AppConfig


class PreviewsConfig(AppConfig):
    """Preview links: signed, expiring, revocable; never on a public route."""

    name = "editorial.previews"
    label = "previews"
    verbose_name = "Preview links"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from treatments.admin.panels import change_page_panel_register, compare_page_register

        from .panels import compare_page, compare_panel, preview_links_panel

        change_page_panel_register(compare_panel)
        change_page_panel_register(preview_links_panel)
        compare_page_register(compare_page)
