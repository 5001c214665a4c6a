"""The client contract check in Python: a client generated from openapi.yaml by
openapi-python-client, installed with pip, type-checked with mypy --strict and run against a
live server: list, detail, conditional 304, editor PATCH with If-Match, review request and a
clinical reviewer's approval, publish, changed document.

    API_BASE=http://127.0.0.1:8000 API_TOKEN=<editor token> REVIEWER_TOKEN=<reviewer token> \
        python check.py
"""

import os
import re
import sys
import time
from typing import Any

from treatment_knowledge_api_client import AuthenticatedClient, Client
from treatment_knowledge_api_client.api.editor import (
    editor_treatments_partial_update,
    editor_treatments_publish,
    editor_treatments_retrieve,
    editor_treatments_review_approve,
    editor_treatments_review_request,
)
from treatment_knowledge_api_client.api.treatments import treatments_list, treatments_retrieve
from treatment_knowledge_api_client.models import (
    ActionRequest,
    ApproveRequest,
    AskForReviewRequest,
    PaginatedTreatmentSummaryList,
    PatchedTreatmentContentRequest,
    PublishOutcome,
    ReviewStatus,
    TreatmentDocument,
    WorkingCopy,
)
from treatment_knowledge_api_client.types import Response


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"contract check failed: {message}")


def header(response: Response[Any], name: str) -> str:
    value = response.headers.get(name)
    check(value is not None, f"no {name} header")
    assert value is not None
    return value


def describe(doc: TreatmentDocument) -> str:
    """Every always-sent section, read as plain attributes (no Unset, no None checks)."""
    sessions = doc.course.sessions
    return "; ".join(
        [
            f"{doc.title} r{doc.revision} ({doc.schema_version}, {doc.language})",
            f"category {doc.category.slug}, {doc.classification.kind}",
            f"{len(doc.procedure.steps)} steps, {len(doc.risks.items)} risks, "
            f"{len(doc.recovery_rules)} rules, {len(doc.timeline)} milestones",
            f"rule conditions {sorted({r.condition.code.value for r in doc.recovery_rules})}",
            f"sessions {'n/a' if sessions is None else sessions.max_}",
            f"reviewed by {doc.review.reviewer or 'nobody'}, licence {doc.licence.name or 'none'}",
            f"{len(doc.sources)} sources, {doc.links.self_}",
        ]
    )


def main() -> None:
    base_url, token = os.environ["API_BASE"], os.environ["API_TOKEN"]
    public = Client(base_url=base_url, raise_on_unexpected_status=True)
    editor = AuthenticatedClient(
        base_url=base_url, token=token, prefix="Token", raise_on_unexpected_status=True
    )
    reviewer = AuthenticatedClient(
        base_url=base_url,
        token=os.environ["REVIEWER_TOKEN"],
        prefix="Token",
        raise_on_unexpected_status=True,
    )

    # 1. The list, then the first treatment's document.
    listed = treatments_list.sync_detailed(client=public, page_size=20)
    page = listed.parsed
    check(isinstance(page, PaginatedTreatmentSummaryList), f"list: {listed.status_code}")
    assert isinstance(page, PaginatedTreatmentSummaryList)
    check(len(page.results) > 0, "the list is empty; load the seed content first")
    first = page.results[0]
    print(f"list: {len(page.results)} item(s), next {page.next_ or 'none'}")
    print(f"first: {first.slug} in {first.category.name}, {first.links.self_}")

    detail = treatments_retrieve.sync_detailed(first.slug, client=public)
    document = detail.parsed
    check(isinstance(document, TreatmentDocument), f"detail: {detail.status_code}")
    assert isinstance(document, TreatmentDocument)
    etag = header(detail, "ETag")
    print(f"detail: {describe(document)}")
    print(f"detail: ETag {etag}, Cache-Control {header(detail, 'Cache-Control')}")

    # 2. A conditional GET with the ETag held: 304, no body.
    again = treatments_retrieve.sync_detailed(first.slug, client=public, if_none_match=etag)
    check(again.status_code == 304 and again.parsed is None, f"conditional: {again.status_code}")
    print("conditional GET: 304 Not Modified")

    # 3. The editor changes the summary with a merge patch, guarded by If-Match.
    got = editor_treatments_retrieve.sync_detailed(document.id, client=editor)
    copy = got.parsed
    check(isinstance(copy, WorkingCopy), f"working copy: {got.status_code}")
    assert isinstance(copy, WorkingCopy)
    base = re.sub(r" \(checked .*\)$", "", copy.content.summary)
    summary = f"{base} (checked {time.time_ns()})"
    patched = editor_treatments_partial_update.sync_detailed(
        document.id,
        client=editor,
        body=PatchedTreatmentContentRequest(summary=summary),
        if_match=header(got, "ETag"),
    )
    check(isinstance(patched.parsed, WorkingCopy), f"PATCH: {patched.status_code}")
    assert isinstance(patched.parsed, WorkingCopy)
    check(header(patched, "Write-Outcome") == "updated", "PATCH wrote nothing")
    print(f"PATCH: version {patched.parsed.version}, {patched.parsed.state}, updated")

    # 4. Four eyes: the editor asks for a review, a clinical reviewer approves this version.
    requested = editor_treatments_review_request.sync_detailed(
        document.id,
        client=editor,
        body=AskForReviewRequest(message="Contract check (Python)."),
        if_match=header(patched, "ETag"),
    )
    check(isinstance(requested.parsed, ReviewStatus), f"review: {requested.status_code}")
    approved = editor_treatments_review_approve.sync_detailed(
        document.id, client=reviewer, body=ApproveRequest(), if_match=header(requested, "ETag")
    )
    status = approved.parsed
    check(isinstance(status, ReviewStatus), f"approve: {approved.status_code}")
    assert isinstance(status, ReviewStatus)
    check(status.approval is not None and status.approval.valid, "the approval does not hold")
    print(f"review: {status.state.value}, approved at version {status.version}")

    # 5. Publish it (If-Match: the working copy's ETag, unchanged by the review).
    published = editor_treatments_publish.sync_detailed(
        document.id,
        client=editor,
        body=ActionRequest(change_note="Contract check (Python)."),
        if_match=header(approved, "ETag"),
    )
    outcome = published.parsed
    check(isinstance(outcome, PublishOutcome), f"publish: {published.status_code}")
    assert isinstance(outcome, PublishOutcome)
    check(outcome.created, "publishing created no revision")
    print(f"publish: revision {outcome.revision}, live {outcome.working_copy.live_revision}")

    # 6. The public document changed. A worker may serve its in-memory copy for up to
    # PUBLIC_MEMORY_TTL seconds (1 s by default), so the old ETag is revalidated for a while.
    deadline = time.monotonic() + 10
    while True:
        now = treatments_retrieve.sync_detailed(first.slug, client=public, if_none_match=etag)
        if isinstance(now.parsed, TreatmentDocument):
            check(now.parsed.revision == outcome.revision, f"revision {now.parsed.revision}")
            check(now.parsed.summary == summary, "the public summary did not change")
            check(header(now, "ETag") != etag, "the ETag did not change")
            print(f"public document: {describe(now.parsed)}")
            break
        check(now.status_code == 304, f"detail: {now.status_code}")
        check(time.monotonic() < deadline, "the public document did not change within 10 s")
        time.sleep(0.25)
    print("Python client: OK")


if __name__ == "__main__":
    main()
    sys.exit(0)
