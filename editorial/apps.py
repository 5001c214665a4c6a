"""The editorial app: clinical review of working copies (four eyes)."""

from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """Review rounds, approvals and comments; plugs the four-eyes gate into publishing."""

    name = "editorial"
    verbose_name = "Clinical review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from treatments.admin.panels import change_page_panel_register
        from treatments.publication import publication_hooks
        from treatments.services import publish_gate_register, publish_review_register

        from . import checks  # noqa: F401 - registers the system checks
        from .gates import approval_gate, approval_review_block, close_rounds_on_publish
        from .panels import review_panel

        publish_gate_register(approval_gate)
        publish_review_register(approval_review_block)
        hooks = publication_hooks()
        if close_rounds_on_publish not in hooks:
            hooks.append(close_rounds_on_publish)
        change_page_panel_register(review_panel)
