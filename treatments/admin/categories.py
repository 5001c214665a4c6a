"""Categories in the admin: the catalogue's name, names in other languages, and what is public.

A category's names are saved here, but the public sees a name only as a published document
froze it (treatments.documents.categories, the publication hub): the catalogue's name with the
next publication of any treatment in the category, a name in another language with the next
reviewed publication of a document in that language (a translation). Each name says whether it
is public, since when, or what it waits for, so that editors know a save alone shows nothing.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats, timezone

from treatments.documents.categories import catalogue_language
from treatments.languages import canonical_tag
from treatments.models import Category, CategoryName
from treatments.selectors import PublicCategoryName, category_public_names

from .styles import StyledAdmin


def _since(public: PublicCategoryName) -> str:
    return formats.date_format(timezone.localtime(public.published_at), "DATETIME_FORMAT")


class CategoryNameForm(forms.ModelForm):
    """A name in another language; the tag is written in its canonical case ("es-MX")."""

    class Meta:
        model = CategoryName
        fields = ["language", "name", "description"]
        widgets = {
            "language": forms.TextInput(attrs={"size": 12}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_language(self) -> str:
        value = self.cleaned_data.get("language", "")
        tag = canonical_tag(value.strip())
        if tag is None:
            raise forms.ValidationError(
                "Not a BCP 47 language tag; write one such as 'es' or 'es-MX'."
            )
        return tag


class CategoryNameInline(admin.StackedInline):
    """The category's names in other languages, each with where it stands publicly.

    Stacked, as the treatment's inlines: each field keeps its label (a table's cells have none
    for screen readers).
    """

    model = CategoryName
    form = CategoryNameForm
    extra = 1
    fields = ["language", "name", "description", "public"]
    readonly_fields = ["public"]
    verbose_name = "name in another language"
    verbose_name_plural = "names in other languages"

    @admin.display(description="public")
    def public(self, obj: CategoryName) -> str:
        if obj.pk is None:
            return "Not saved yet."
        published = category_public_names(slug=obj.category.slug).get(obj.language)
        waits = (
            f"goes public with the next publication of a {obj.language} document in this "
            "category (a translation), once it is reviewed"
        )
        if published is None:
            return f"Not public: it {waits}."
        if published.name == obj.name:
            return f"Public since {_since(published)}."
        return f"Public as “{published.name}” since {_since(published)}; this name {waits}."


@admin.register(Category)
class CategoryAdmin(StyledAdmin):
    """A category; its names in other languages are edited inline."""

    list_display = ["name", "slug", "other_languages"]
    search_fields = ["name", "slug", "names__name"]
    prepopulated_fields = {"slug": ("name",)}
    inlines = [CategoryNameInline]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["name", "slug", "description"]
        return fields if obj is None else [*fields, "public_name"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["public_name"]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).prefetch_related("names")

    @admin.display(description="other languages")
    def other_languages(self, obj: Category) -> str:
        return ", ".join(row.language for row in obj.names.all()) or "–"

    @admin.display(description="public name")
    def public_name(self, obj: Category) -> str:
        language = catalogue_language()
        published = category_public_names(slug=obj.slug).get(language)
        waits = "goes public with the next publication of a treatment in this category"
        if published is None:
            return f"Not public: the name ({language}) {waits}."
        if published.name == obj.name:
            return f"Public since {_since(published)} ({language})."
        return f"Public as “{published.name}” since {_since(published)}; the name above {waits}."

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        language = catalogue_language()
        if "name" in form.base_fields:
            form.base_fields["name"].help_text = (
                f"The category's name in the catalogue's language ({language}). A document "
                "carries it when it is built; the public sees it once a treatment in this "
                "category is published."
            )
        return form
