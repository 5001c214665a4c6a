"""Editorial reads for readable diffs: "live", "working" or a revision number -> a document.

Editors compare the working copy with the live revision, or any two revisions. A reference
names one side: `live` (the revision the public sees), `working` (the working copy's content
now) or a revision number. Unknown revisions are NotFoundError; `live` when nothing is live is a
StateError (nothing to compare with); a malformed reference is a ValueError whose message says
what to send.
"""

from dataclasses import dataclass
from typing import Any

from treatments.documents.build import build_content
from treatments.documents.diff import SectionDiff, document_diff
from treatments.errors import NotFoundError, StateError
from treatments.models import Revision, Treatment

from .editorial import working_copy_live_revision

LIVE, WORKING = "live", "working"
MAX_REVISION = 2_147_483_647  # a PositiveIntegerField holds no more


@dataclass(frozen=True)
class DiffSide:
    """One side of a diff: which document it is, and the document."""

    ref: str  # "live", "working" or the revision number as text
    revision: int | None  # the revision number, for live and numbered sides
    version: int | None  # the working copy's version, for the working side
    label: str
    document: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "revision": self.revision,
            "version": self.version,
            "label": self.label,
        }


@dataclass(frozen=True)
class TreatmentDiff:
    """A readable diff between two sides of one treatment."""

    old: DiffSide
    new: DiffSide
    sections: list[SectionDiff]

    @property
    def changed(self) -> bool:
        return any(section.changed for section in self.sections)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.old.as_dict(),
            "to": self.new.as_dict(),
            "changed": self.changed,
            "sections": [section.as_dict() for section in self.sections],
        }


def diff_ref_parse(value: str) -> str | int:
    """`live`, `working` or a revision number (>= 1); anything else is a ValueError."""
    text = value.strip()
    if text in (LIVE, WORKING):
        return text
    if text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_REVISION:
        return int(text)
    raise ValueError("Use `live`, `working` or a revision number (1, 2, ...).")


def _revision_side(treatment: Treatment, number: int, *, ref: str, label: str) -> DiffSide:
    revision = Revision.objects.filter(treatment=treatment, number=number).first()
    if revision is None:
        raise NotFoundError(
            f"This treatment has no revision {number}; its revisions are listed in the admin "
            "and at the public revisions URL."
        )
    return DiffSide(ref, number, None, label, revision.document)


def diff_side(treatment: Treatment, ref: str | int) -> DiffSide:
    """The document a reference names (see the module docstring for the errors)."""
    if ref == WORKING:
        label = f"Working copy (version {treatment.version})"
        return DiffSide(WORKING, None, treatment.version, label, build_content(treatment))
    if ref == LIVE:
        live = working_copy_live_revision(treatment)
        if live is None:
            raise StateError(
                "This treatment has no live revision to compare with (never published, "
                "unpublished or deleted); compare two revision numbers instead."
            )
        return _revision_side(treatment, live, ref=LIVE, label=f"Live (revision {live})")
    assert isinstance(ref, int)
    return _revision_side(treatment, ref, ref=str(ref), label=f"Revision {ref}")


def treatment_diff(*, treatment: Treatment, old: str | int, new: str | int) -> TreatmentDiff:
    """The readable diff of a treatment from `old` to `new` (references as `diff_ref_parse`).

    `treatment` is a working copy with its children loaded (`treatment_get_for_edit`).
    """
    before, after = diff_side(treatment, old), diff_side(treatment, new)
    return TreatmentDiff(before, after, document_diff(before.document, after.document))


def treatment_revision_numbers(*, treatment: Treatment) -> list[int]:
    """The revision numbers of a treatment, newest first (for pickers)."""
    return list(
        Revision.objects.filter(treatment=treatment)
        .order_by("-number")
        .values_list("number", flat=True)
    )
