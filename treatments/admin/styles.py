"""The style sheet of the treatments app's admin pages (change, add, lists, revisions, audit)."""

from django.contrib import admin


class StyledAdmin(admin.ModelAdmin):
    """An admin whose pages load treatments/admin/treatment.css (scoped to this app's pages).

    A file, not inline styles: the admin's Content-Security-Policy allows style sheets from
    'self'. It fits the pages into a 1280 px window and fixes what axe-core finds.
    """

    class Media:
        css = {"all": ["treatments/admin/treatment.css"]}
