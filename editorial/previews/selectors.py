"""Reads of preview links: open one by its token, list a treatment's, and the draft it shows.

Opening a link checks the signature first (no database read for a forged token), then the
link's secret, expiry and revocation, and that the treatment is not deleted. Nothing here is
remembered between requests: a preview is rendered from the working copy every time.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone

from treatments.documents.build import build_content, build_document
from treatments.errors import NotFoundError, ServiceError
from treatments.models import Revision, Treatment
from treatments.services import treatment_get_for_edit

from .models import PreviewLink
from .tokens import secret_matches, token_read


class PreviewGoneError(ServiceError):
    """The link was genuine but no longer opens: expired, revoked, or its treatment deleted."""

    title = "Preview link no longer valid"


UNKNOWN = "This preview link is not valid. Ask the editor who shared it for a new one."


@dataclass(frozen=True)
class OpenPreview:
    """An opened preview link: the link, the working copy and the document it renders now."""

    link: PreviewLink
    treatment: Treatment
    document: dict[str, Any]


def preview_link_list(*, treatment_id: Any) -> QuerySet[PreviewLink]:
    """A treatment's preview links, newest first (tokens are never stored, so never listed)."""
    return PreviewLink.objects.filter(treatment_id=treatment_id).order_by("-created_at", "id")


def preview_link_get(*, token: str) -> PreviewLink:
    """The link a token opens; NotFoundError if forged or unknown, PreviewGoneError if over."""
    parts = token_read(token)
    if parts is None:
        raise NotFoundError(UNKNOWN)
    link = PreviewLink.objects.filter(pk=parts.link_id).first()
    if link is None or not secret_matches(parts.secret, link.secret_hash):
        raise NotFoundError(UNKNOWN)
    if link.revoked_at is not None:
        raise PreviewGoneError("This preview link was revoked. Ask the editor for a new one.")
    if link.expires_at <= timezone.now():
        raise PreviewGoneError("This preview link has expired. Ask the editor for a new one.")
    return link


def draft_document(treatment: Treatment) -> dict[str, Any]:
    """The working copy as publishing would freeze it now (next revision number, this moment)."""
    latest = Revision.objects.filter(treatment=treatment).aggregate(n=Max("number"))["n"]
    return build_document(
        treatment_id=treatment.pk,
        content=build_content(treatment),
        revision=(latest or 0) + 1,
        published_at=timezone.now(),
    )


def preview_open(*, token: str) -> OpenPreview:
    """Open a preview link: the draft document it shows now (errors as `preview_link_get`)."""
    link = preview_link_get(token=token)
    try:
        treatment = treatment_get_for_edit(treatment_id=link.treatment_id)
    except NotFoundError:
        raise PreviewGoneError(
            "The treatment of this preview was deleted; there is nothing to show."
        ) from None
    return OpenPreview(link=link, treatment=treatment, document=draft_document(treatment))
