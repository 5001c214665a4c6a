"""URLs of translations in the editor API (v1), under treatments/<id>/."""

from django.urls import path

from . import translation_po, translations

urlpatterns = [
    path(
        "treatments/<uuid:treatment_id>/translations/",
        translations.TranslationCollectionView.as_view(),
        name="editor-treatment-translations",
    ),
    path(
        "treatments/<uuid:treatment_id>/translations/<uuid:translation_id>/po/",
        translation_po.TranslationPoView.as_view(),
        name="editor-translation-po",
    ),
    path(
        "treatments/<uuid:treatment_id>/translates/",
        translations.TranslationUpToDateView.as_view(),
        name="editor-translation-up-to-date",
    ),
]
