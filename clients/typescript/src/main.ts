// The client contract check in TypeScript: types generated from openapi.yaml by
// openapi-typescript, requests through openapi-fetch, compiled with `tsc --strict`.
// Every field the API always sends is used without `!` or `?.`: if the schema stopped marking
// one required, this file would no longer compile. Run against a live server:
//   API_BASE=http://127.0.0.1:8000 API_TOKEN=<editor token> REVIEWER_TOKEN=<reviewer token> \
//     node build/src/main.js
import createClient from "openapi-fetch";
import type { components, paths } from "../generated/api.js";

type Document = components["schemas"]["TreatmentDocument"];
type Summary = components["schemas"]["TreatmentSummary"];
type DetailHeaders = paths["/api/v1/treatments/{key}/"]["get"]["responses"][200]["headers"];
type PatchHeaders =
  paths["/api/v1/editor/treatments/{treatment_id}/"]["patch"]["responses"][200]["headers"];

// Declared response headers, checked at compile time: these names must exist in the contract.
const ETAG: keyof DetailHeaders & "ETag" = "ETag";
const CACHE_CONTROL: keyof DetailHeaders & "Cache-Control" = "Cache-Control";
const WRITE_OUTCOME: keyof PatchHeaders & "Write-Outcome" = "Write-Outcome";
const outcomes: PatchHeaders["Write-Outcome"][] = ["updated", "unchanged"];

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}.`);
  return value;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`contract check failed: ${message}`);
}

function header(response: Response, name: string): string {
  const value = response.headers.get(name);
  check(value !== null, `${response.url} did not send ${name}`);
  return value;
}

// Reads every always-sent section of a document without optional chaining or assertions.
function describe(doc: Document): string {
  const steps = doc.procedure.steps.map((step) => step.title);
  const risks = doc.risks.items.map((risk) => `${risk.name} (${risk.likelihood.band})`);
  const rules = doc.recovery_rules.map(
    (rule) => `${rule.restriction} ${rule.activity_label} [${rule.condition.code}]`,
  );
  const timeline = doc.timeline.map((event) => `${event.label}: ${event.range.unit}`);
  const sessions = doc.course.sessions === null ? "n/a" : String(doc.course.sessions.max);
  return [
    `${doc.title} r${doc.revision} (${doc.schema_version}, ${doc.language})`,
    `category ${doc.category.slug}, ${doc.classification.kind}`,
    `${steps.length} steps, ${risks.length} risks, ${rules.length} rules, ${timeline.length} milestones`,
    `sessions ${sessions}, reviewed by ${doc.review.reviewer || "nobody"}`,
    `licence ${doc.licence.name || "none"}, ${doc.sources.length} sources, ${doc.links.self}`,
  ].join("; ");
}

async function main(): Promise<void> {
  const baseUrl = env("API_BASE");
  const api = createClient<paths, "application/json">({ baseUrl });
  const editor = createClient<paths, "application/json">({
    baseUrl,
    headers: { Authorization: `Token ${env("API_TOKEN")}` },
  });
  const reviewer = createClient<paths, "application/json">({
    baseUrl,
    headers: { Authorization: `Token ${env("REVIEWER_TOKEN")}` },
  });

  // 1. The list, then the first treatment's document.
  const list = await api.GET("/api/v1/treatments/", { params: { query: { page_size: 20 } } });
  check(list.data !== undefined, `list answered ${list.response.status}`);
  const first: Summary | undefined = list.data.results[0];
  check(first !== undefined, "the list is empty; load the seed content first");
  console.log(`list: ${list.data.results.length} item(s), next ${list.data.next ?? "none"}`);
  console.log(`first: ${first.slug} in ${first.category.name}, ${first.links.self}`);

  const detail = await api.GET("/api/v1/treatments/{key}/", {
    params: { path: { key: first.slug } },
  });
  check(detail.data !== undefined, `detail answered ${detail.response.status}`);
  const etag = header(detail.response, ETAG);
  console.log(`detail: ${describe(detail.data)}`);
  console.log(`detail: ETag ${etag}, Cache-Control ${header(detail.response, CACHE_CONTROL)}`);

  // 2. A conditional GET with the ETag held: 304, no body.
  const again = await api.GET("/api/v1/treatments/{key}/", {
    params: { path: { key: first.slug }, header: { "If-None-Match": etag } },
  });
  check(again.response.status === 304, `conditional GET answered ${again.response.status}`);
  console.log("conditional GET: 304 Not Modified");

  // 3. The editor changes the summary with a merge patch, guarded by If-Match.
  const id = detail.data.id;
  const copy = await editor.GET("/api/v1/editor/treatments/{treatment_id}/", {
    params: { path: { treatment_id: id } },
  });
  check(copy.data !== undefined, `working copy answered ${copy.response.status}`);
  const summary = `${copy.data.content.summary.replace(/ \(checked .*\)$/, "")} (checked ${Date.now()})`;
  const patched = await editor.PATCH("/api/v1/editor/treatments/{treatment_id}/", {
    params: {
      path: { treatment_id: id },
      header: { "If-Match": header(copy.response, ETAG) },
    },
    body: { summary },
  });
  check(patched.data !== undefined, `PATCH answered ${patched.response.status}`);
  const outcome = header(patched.response, WRITE_OUTCOME);
  check(outcomes.some((o) => o === outcome) && outcome === "updated", `Write-Outcome ${outcome}`);
  console.log(`PATCH: version ${patched.data.version}, ${patched.data.state}, ${outcome}`);

  // 4. Four eyes: the editor asks for a review, a clinical reviewer approves this version.
  const requested = await editor.POST(
    "/api/v1/editor/treatments/{treatment_id}/review/request/",
    {
      params: {
        path: { treatment_id: id },
        header: { "If-Match": header(patched.response, ETAG) },
      },
      body: { message: "Contract check (TypeScript)." },
    },
  );
  check(requested.data !== undefined, `review request answered ${requested.response.status}`);
  const approved = await reviewer.POST(
    "/api/v1/editor/treatments/{treatment_id}/review/approve/",
    {
      params: {
        path: { treatment_id: id },
        header: { "If-Match": header(requested.response, ETAG) },
      },
      body: { message: "Checked by the contract check." },
    },
  );
  check(approved.data !== undefined, `approve answered ${approved.response.status}`);
  check(approved.data.approval?.valid === true, "the approval does not hold");
  console.log(`review: ${approved.data.state}, approved at version ${approved.data.version}`);

  // 5. Publish it (If-Match: the working copy's ETag, unchanged by the review).
  const published = await editor.POST("/api/v1/editor/treatments/{treatment_id}/publish/", {
    params: {
      path: { treatment_id: id },
      header: { "If-Match": header(approved.response, ETAG) },
    },
    body: { change_note: "Contract check (TypeScript)." },
  });
  check(published.data !== undefined, `publish answered ${published.response.status}`);
  check(published.data.created, "publishing created no revision");
  const revision = published.data.revision;
  console.log(`publish: revision ${revision}, live ${published.data.working_copy.live_revision}`);

  // 6. The public document changed. A worker may serve its in-memory copy for up to
  // PUBLIC_MEMORY_TTL seconds (1 s by default), so the old ETag is revalidated for a while.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const now = await api.GET("/api/v1/treatments/{key}/", {
      params: { path: { key: first.slug }, header: { "If-None-Match": etag } },
    });
    if (now.data !== undefined) {
      check(now.data.revision === revision, `served revision ${now.data.revision}`);
      check(now.data.summary === summary, "the public summary did not change");
      check(header(now.response, ETAG) !== etag, "the ETag did not change");
      console.log(`public document: ${describe(now.data)}`);
      break;
    }
    check(now.response.status === 304, `detail answered ${now.response.status}`);
    check(Date.now() < deadline, "the public document did not change within 10 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  console.log("TypeScript client: OK");
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
