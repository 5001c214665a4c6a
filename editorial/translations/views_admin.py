"""The translations' admin pages: add a translation to a treatment, edit one side by side.

Both pages call the services the editor API calls (`translation_create`, `treatment_replace`,
`translation_bring_up_to_date`); nothing here writes a row itself. Every form carries the
version the page showed, so a save on a stale page is refused with a "reload" message, and the
editor's typed text is shown again rather than lost. A new translation starts as a copy of the
source's text, in the source's language, for a person to translate: nothing is machine
translated.
"""

from typing import Any

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

from treatments import selectors
from treatments.documents.build import build_content
from treatments.documents.categories import catalogue_language, category_text
from treatments.documents.diff import content_part
from treatments.errors import (
    ConflictError,
    ContentInvalidError,
    ForbiddenError,
    NotFoundError,
    ServiceError,
)
from treatments.models import Treatment
from treatments.permissions import Action, can
from treatments.services import content_validate, treatment_get_for_edit, treatment_replace

from . import services
from .admin_sections import apply_texts, editor_sections, source_changes, text_fields
from .selectors import source_revision_document, translation_list, translation_of

SAVE_MESSAGE = "Translation edited side by side in the admin."
_MAX_TEXT = 20_000  # a longer box is not a text of the contract; the contract says so anyway


def _expected(request: HttpRequest) -> int | None:
    raw = request.POST.get("expected_version", "")
    # isdigit() alone accepts digits int() refuses, such as "²".
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _may_view(request: HttpRequest) -> None:
    if not (request.user.is_staff and can(request.user, Action.VIEW)):
        raise PermissionDenied


def _may_edit(request: HttpRequest) -> None:
    if not (request.user.is_staff and can(request.user, Action.EDIT)):
        raise PermissionDenied


def side_by_side_url(treatment_id: Any) -> str:
    """Where a translation is edited beside its source."""
    return reverse("admin:translation_side_by_side", args=[treatment_id])


def add_url(source_id: Any) -> str:
    """Where a treatment's new translation is added."""
    return reverse("admin:translation_add", args=[source_id])


# --- adding a translation ----------------------------------------------------------------------


def add_view(model_admin: ModelAdmin, request: HttpRequest, source_id: Any) -> HttpResponse:
    """Choose a language; the translation's working copy starts as a copy of the source."""
    _may_edit(request)
    source = get_object_or_404(Treatment, pk=source_id, deleted_at__isnull=True)
    if translation_of(treatment_id=source.pk) is not None:
        raise Http404("This treatment is itself a translation; translate its source instead.")
    language = request.POST.get("language", "").strip()[:100]
    error = ""
    status = 200
    if request.method == "POST":
        try:
            with transaction.atomic():
                tag = services.translation_language(source=source, language=language)
                data = _text_to_translate(source)
                data.update(language=tag, slug=f"{source.slug}-{tag.lower()}")
                row = services.translation_create(
                    source_id=source.pk,
                    language=tag,
                    content=content_validate(data),
                    actor=request.user,
                    request_id=str(getattr(request, "request_id", "")),
                )
        except ForbiddenError as exc:
            raise PermissionDenied(exc.detail) from None
        except ContentInvalidError as exc:
            error = "; ".join(e["message"] for e in exc.errors)
            status = 400
        except ServiceError as exc:
            error = exc.detail
            status = 409
        else:
            model_admin.message_user(
                request,
                f"Added the {row.language} translation. Its text is a copy of the source's: "
                "translate each text below, then request a review.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(side_by_side_url(row.treatment_id))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Add a translation of {source.title}",
        "source": source,
        "source_url": reverse("admin:treatments_treatment_change", args=[source.pk]),
        "existing": translation_list(source_id=source.pk),
        "language": language,
        "error": error,
    }
    return TemplateResponse(request, "admin/translations/add.html", context, status=status)


def _text_to_translate(source: Treatment) -> dict[str, Any]:
    """The source's live revision (what the translation records it translates), or its working
    copy when it has none; never unpublished edits passed off as the live revision."""
    live = selectors.working_copy_live_revision(source)
    document = source_revision_document(source_id=source.pk, number=live)
    if document is not None:
        return content_part(document)
    return build_content(treatment_get_for_edit(treatment_id=source.pk))


# --- the side-by-side editor -------------------------------------------------------------------


def side_by_side_view(
    model_admin: ModelAdmin, request: HttpRequest, treatment_id: Any
) -> HttpResponse:
    """A translation's texts beside its source's, section by section; save, mark up to date."""
    _may_view(request)
    row = translation_of(treatment_id=treatment_id)
    if row is None or row.treatment.deleted_at is not None:
        raise Http404("No translation with this id; the translations list links to each one.")
    here = side_by_side_url(row.treatment_id)
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    problems: list[str] = []
    confirm_error = ""
    status = 200
    expected: int | None = None
    if request.method == "POST":
        _may_edit(request)
        expected = _expected(request)
        step = request.POST.get("step", "")
        if expected is None:
            problems.append("This page lost the version it was opened at; reload it.")
            status = 400
        elif step == "save":
            outcome = _save(request, row.treatment_id, expected)
            if outcome is None:
                return HttpResponseRedirect(here)
            values, errors, problems, status = outcome
        elif step == "up_to_date":
            if request.POST.get("confirm") != "yes":
                confirm_error = (
                    "Tick the box to confirm that every text now says what the source's "
                    "revision says; nothing was recorded."
                )
                status = 400
            else:
                refused = _bring_up_to_date(request, row.treatment_id, expected)
                if refused is None:
                    return HttpResponseRedirect(here)
                problems.append(refused)
                status = 409
        else:
            problems.append("Choose Save or Mark as up to date.")
            status = 400
    context = _editor_context(model_admin, request, row, values, errors, problems)
    if expected is not None and values:
        # A refused save: keep the version the editor's text was written against, so that a
        # save on a stale page is refused again instead of overwriting someone else's change.
        context["expected_version"] = expected
    context["confirm_error"] = confirm_error
    return TemplateResponse(request, "admin/translations/side_by_side.html", context, status=status)


def _save(
    request: HttpRequest, treatment_id: Any, expected: int
) -> tuple[dict[str, str], dict[str, str], list[str], int] | None:
    """Save the posted texts through the working-copy service; None when saved."""
    translation = treatment_get_for_edit(treatment_id=treatment_id)
    content = build_content(translation)
    values = {
        pointer: request.POST[pointer].replace("\r\n", "\n")[:_MAX_TEXT]
        for pointer in text_fields(content)
        if pointer in request.POST
    }
    try:
        with transaction.atomic():
            saved = treatment_replace(
                treatment_id=treatment_id,
                content=content_validate(apply_texts(content, values)),
                expected_version=expected,
                actor=request.user,
                message=SAVE_MESSAGE,
                request_id=str(getattr(request, "request_id", "")),
            )
    except ForbiddenError as exc:
        raise PermissionDenied(exc.detail) from None
    except ConflictError as exc:
        return (
            values,
            {},
            [
                f"Not saved: someone else saved this translation (now version "
                f"{exc.current_version}) after you opened version {exc.expected_version}. "
                "Your text is kept in the boxes below: copy what you need, reload the page, "
                "and apply it again."
            ],
            409,
        )
    except ContentInvalidError as exc:
        # Each refusal on the box it is about, or under its section; the document as a whole
        # (pointer "") at the top.
        errors: dict[str, str] = {}
        problems: list[str] = []
        for error in exc.errors:
            pointer = error.get("pointer", "")
            if pointer:
                errors[pointer] = f"{errors.get(pointer, '')} {error['message']}".strip()
            else:
                problems.append(error["message"])
        return values, errors, problems, 400
    except NotFoundError as exc:
        raise Http404(exc.detail) from None
    if saved.version == expected:
        messages.info(request, "No changes to save.")
    else:
        messages.success(request, f"Saved: the translation is now at version {saved.version}.")
    return None


def _bring_up_to_date(request: HttpRequest, treatment_id: Any, expected: int) -> str | None:
    """Record that the translation translates the source's live revision; None when done."""
    raw = request.POST.get("source_revision", "")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    try:
        with transaction.atomic():
            row = services.translation_bring_up_to_date(
                translation_id=treatment_id,
                source_revision=number,
                expected_version=expected,
                actor=request.user,
                request_id=str(getattr(request, "request_id", "")),
            )
    except ForbiddenError as exc:
        raise PermissionDenied(exc.detail) from None
    except ConflictError as exc:
        return (
            f"Not recorded: the translation changed since you opened this page (version "
            f"{exc.expected_version}, now {exc.current_version}). Reload the page, check the "
            "texts, and confirm again."
        )
    except ContentInvalidError as exc:
        return "Not recorded: " + "; ".join(e["message"] for e in exc.errors) + " Reload the page."
    except ServiceError as exc:
        return f"Not recorded: {exc.detail}"
    messages.success(
        request,
        f"Recorded: this translation translates source revision {row.source_revision}. "
        "Request a review and publish it; readers see it as up to date once it is published.",
    )
    return None


def _editor_context(
    model_admin: ModelAdmin,
    request: HttpRequest,
    row: Any,
    values: dict[str, str],
    errors: dict[str, str],
    problems: list[str],
) -> dict[str, Any]:
    translation = treatment_get_for_edit(treatment_id=row.treatment_id)
    source = treatment_get_for_edit(treatment_id=row.source_id)
    live = selectors.working_copy_live_revision(source)
    source_document = source_revision_document(source_id=source.pk, number=live)
    if source_document is None:  # never published (or withdrawn): the working copy is all
        source_document = build_content(source)
    changed = {}
    if live is not None and row.source_revision != live:
        translated = source_revision_document(source_id=source.pk, number=row.source_revision)
        changed = source_changes(translated, source_document)
    sections = editor_sections(
        source=source_document,
        translation=build_content(translation),
        changed=changed,
        values=values,
        errors=errors,
    )
    may_edit = can(request.user, Action.EDIT)
    category = category_text(translation.category, translation.language)
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": f"Translation ({row.language}) of {source.title}",
        "row": row,
        "translation": translation,
        "source": source,
        "source_live": live,
        "sections": sections,
        "changed_titles": [s.title for s in sections if s.changed],
        "problems": problems,
        "expected_version": translation.version,
        "may_edit": may_edit,
        "can_mark": may_edit and live is not None and row.source_revision != live,
        "review_url": reverse("admin:editorial_review", args=[translation.pk]),
        "translation_change_url": reverse(
            "admin:treatments_treatment_change", args=[translation.pk]
        ),
        "source_change_url": reverse("admin:treatments_treatment_change", args=[source.pk]),
        "category": category,
        "category_in_language": category.language.lower() == row.language.lower()
        or category.language != catalogue_language(),
        "category_change_url": reverse(
            "admin:treatments_category_change", args=[translation.category_id]
        ),
        "list_url": reverse("admin:translations_translation_changelist"),
    }
