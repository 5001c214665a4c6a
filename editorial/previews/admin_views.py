"""Admin pages of a treatment's readable diff (side by side) and its preview links.

Mounted by `PreviewLinkAdmin.get_urls` (admin.py); the pages call the same selectors and services
as the editor API (`treatments.selectors.diffs`, `editorial.previews.services`).
"""

import datetime as dt
import difflib
import re
import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from treatments.errors import ServiceError
from treatments.models import Treatment
from treatments.permissions import Action, can
from treatments.selectors import working_copy_live_revision
from treatments.selectors.diffs import (
    LIVE,
    WORKING,
    diff_ref_parse,
    treatment_diff,
    treatment_revision_numbers,
)
from treatments.services import NotFoundError, treatment_get_for_edit

from .models import PreviewLink
from .selectors import preview_link_list
from .services import preview_link_create, preview_link_revoke

WORD = re.compile(r"\S+\s*|\s+")  # a word with the space after it


def word_diff(old: str | None, new: str | None) -> tuple[SafeString, SafeString]:
    """Both texts as HTML, with removed words in <del> and added words in <ins>."""
    if old is None or new is None:
        return mark_safe(escape(old or "")), mark_safe(escape(new or ""))
    before, after = WORD.findall(old), WORD.findall(new)
    old_html: list[str] = []
    new_html: list[str] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        removed, added = escape("".join(before[a1:a2])), escape("".join(after[b1:b2]))
        if op == "equal":
            old_html.append(removed)
            new_html.append(added)
            continue
        if removed:
            old_html.append(f"<del>{removed}</del>")
        if added:
            new_html.append(f"<ins>{added}</ins>")
    return mark_safe("".join(old_html)), mark_safe("".join(new_html))


def _rows(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for change in fields:
        old_html, new_html = word_diff(change["old"], change["new"])
        rows.append({**change, "old_html": old_html, "new_html": new_html})
    return rows


def _sections(data: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The diff's sections with each field's old and new text marked word by word."""
    shaped = []
    for section in data:
        items = [{**item, "rows": _rows(item["fields"])} for item in section["items"]]
        total = len(section["fields"]) + len(section["items"])
        shaped.append({**section, "rows": _rows(section["fields"]), "items": items, "total": total})
    return shaped


def _treatment(object_id: Any) -> Treatment:
    try:
        return treatment_get_for_edit(treatment_id=object_id, include_deleted=True)
    except NotFoundError:
        raise Http404("No such treatment.") from None


def _require(request: HttpRequest, action: Action) -> None:
    if not can(request.user, action):
        raise PermissionDenied("Your role does not allow this.")


def _choices(treatment: Treatment, live: int | None) -> list[tuple[str, str]]:
    choices = [(WORKING, f"Working copy (version {treatment.version})")]
    if live is not None:
        choices.append((LIVE, f"Live (revision {live})"))
    choices += [(str(n), f"Revision {n}") for n in treatment_revision_numbers(treatment=treatment)]
    return choices


def _context(site: AdminSite, request: HttpRequest, treatment: Treatment, title: str) -> Any:
    return {
        **site.each_context(request),
        "title": title,
        "subtitle": treatment.title,
        "treatment": treatment,
        "opts": Treatment._meta,
        "change_url": reverse("admin:treatments_treatment_change", args=[treatment.pk]),
        "compare_url": reverse("admin:previews_compare", args=[treatment.pk]),
        "links_url": reverse("admin:previews_links", args=[treatment.pk]),
    }


def compare_view(site: AdminSite, request: HttpRequest, object_id: Any) -> HttpResponse:
    """Two versions side by side, section by section (`?from=live&to=working` by default)."""
    _require(request, Action.VIEW)
    treatment = _treatment(object_id)
    live = working_copy_live_revision(treatment)
    revisions = treatment_revision_numbers(treatment=treatment)
    # Without a live revision, the latest revision (if any) is the natural other side.
    default_from = LIVE if live is not None else (str(revisions[0]) if revisions else WORKING)
    raw_from = request.GET.get("from", default_from)
    raw_to = request.GET.get("to", WORKING)
    context = _context(site, request, treatment, "Compare versions")
    context.update(
        choices=_choices(treatment, live),
        selected_from=raw_from,
        selected_to=raw_to,
        diff=None,
        never_published=not revisions,
    )
    status = 200
    try:
        diff = treatment_diff(
            treatment=treatment, old=diff_ref_parse(raw_from), new=diff_ref_parse(raw_to)
        )
    except ValueError as exc:
        context["problem"], status = f"Cannot compare: {exc}", 400
    except NotFoundError as exc:
        context["problem"], status = exc.detail, 404
    except ServiceError as exc:
        context["problem"], status = exc.detail, 409
    else:
        sections = _sections(diff.as_dict()["sections"])
        context.update(
            diff=diff.as_dict(),
            changed=[s for s in sections if s["changed"]],
            unchanged=[s for s in sections if not s["changed"]],
        )
    return TemplateResponse(request, "previews/compare.html", context, status=status)


EXPIRY_DAYS = (1, 2, 3, 7, 14, 30)


def _expiry_choices() -> list[int]:
    longest = settings.PREVIEW_LINK_MAX_AGE / 86400
    return [days for days in EXPIRY_DAYS if days <= longest] or [1]


def links_view(site: AdminSite, request: HttpRequest, object_id: Any) -> HttpResponse:
    """A treatment's preview links: create one (its URL is shown once), revoke one."""
    _require(request, Action.VIEW)
    treatment = _treatment(object_id)
    context = _context(site, request, treatment, "Preview links")
    created = None
    if request.method == "POST":
        _require(request, Action.EDIT)
        try:
            created = _post(request, treatment)
        except ServiceError as exc:
            messages.error(request, exc.detail)
        if created is None:
            return HttpResponseRedirect(request.path)
    default = settings.PREVIEW_LINK_DEFAULT_AGE / 86400
    context.update(
        links=list(preview_link_list(treatment_id=treatment.pk)[:200]),
        created=created,
        can_edit=can(request.user, Action.EDIT),
        expiry_choices=_expiry_choices(),
        default_days=min(_expiry_choices(), key=lambda d: abs(d - default)),
        max_note=PreviewLink._meta.get_field("note").max_length,
    )
    return TemplateResponse(request, "previews/links.html", context)


def _post(request: HttpRequest, treatment: Treatment) -> dict[str, str] | None:
    """Create or revoke a link; the new link's URLs are returned to be shown once."""
    audit: dict[str, Any] = {
        "actor": request.user,
        "request_id": getattr(request, "request_id", ""),
    }
    revoke = request.POST.get("revoke", "")
    if revoke:
        link = preview_link_revoke(treatment_id=treatment.pk, link_id=_uuid(revoke), **audit)
        messages.success(request, f"The preview link {link.note or link.id} was revoked.")
        return None
    raw = request.POST.get("days", "")
    if not (raw.isascii() and raw.isdigit() and int(raw) in _expiry_choices()):
        messages.error(request, "Choose how many days the link lasts from the list.")
        return None
    expires = timezone.now() + dt.timedelta(days=int(raw))
    made = preview_link_create(
        treatment_id=treatment.pk,
        expires_at=expires,
        note=request.POST.get("note", "").strip(),
        **audit,
    )
    base = request.build_absolute_uri("/").rstrip("/")
    return {
        "url": base + reverse("preview:page", args=[made.token]),
        "card_url": base + reverse("preview:card", args=[made.token]),
        "document_url": base + reverse("preview:document", args=[made.token]),
        "expires_at": made.link.expires_at.isoformat(),
    }


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFoundError("No such preview link.") from None
