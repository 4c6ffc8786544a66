import type { DlpFinding } from "@portcullis/contracts/audit";
import type { CompiledDlpPolicy, DlpRuleSet } from "./compile-dlp-policies";
import type { DlpMatch } from "./detector";
import { findMatches } from "./find-matches";
import {
  forEachTextLeaf,
  jsonPath,
  type LeafKind,
  type PathSegment,
  withRenamedKeys,
  withReplacedLeaves,
} from "./json-leaves";

/**
 * Findings recorded per direction of one call. A result with thousands of matches still
 * has every match redacted; past this many findings, only the first finding of each
 * (policy, detector, action) is added, so the audit event stays small but names every
 * detector that fired.
 */
export const DLP_MAX_FINDINGS = 100;

export interface DlpScanOutcome<T> {
  /** Which detector fired where, under which policy; never the matched value. */
  findings: DlpFinding[];
  /** What may travel on: matches of redacting policies replaced by `[REDACTED:<detector>]`. The input itself when nothing changed. */
  output: T;
  /** What the audit log may keep: every match masked, whatever the action. */
  masked: T;
  /** The first finding of a blocking policy, in document order. */
  blocked: { policy: CompiledDlpPolicy; finding: DlpFinding } | null;
}

interface Hit {
  path: PathSegment[];
  value: string;
  matches: DlpMatch[];
  /** A member name's path ends with the name; it is renamed, not replaced. */
  kind: LeafKind;
}

/** Where a finding in a member name is reported: the object's path, then `["~key"]` (never the name). */
const KEY_MARK = "~key";

/** `text` with each match replaced by `[REDACTED:<detector>]`; overlapping matches become one. */
export function redact(text: string, matches: readonly DlpMatch[]): string {
  let out = "";
  let cursor = 0;
  for (const m of matches) {
    if (m.start >= cursor) {
      out += `${text.slice(cursor, m.start)}[REDACTED:${m.detector.id}]`;
      cursor = m.end;
    } else if (m.end > cursor) {
      cursor = m.end;
    }
  }
  return out + text.slice(cursor);
}

/** Scans every string in a call's arguments (paths `$.arguments.…`). */
export function scanArguments(
  rules: DlpRuleSet,
  args: Record<string, unknown>,
): DlpScanOutcome<Record<string, unknown>> {
  const hits: Hit[] = [];
  forEachTextLeaf(args, (value, fieldName, path, kind) => {
    const matches = findMatches(value, rules.detectors, fieldName);
    if (matches.length > 0) hits.push({ path: path(), value, matches, kind });
  });
  return conclude(rules, "arguments", "$.arguments", args, hits);
}

/** The parts of a tool result an agent reads as data. */
export interface ToolResultLike {
  content?: unknown[];
  structuredContent?: unknown;
}

/**
 * Scans what a tool result shows the agent: text content, embedded resource text and
 * every string of structured content (paths `$.content[0].text`,
 * `$.content[1].resource.text`, `$.structuredContent.…`). Binary payloads (images,
 * audio, resource blobs) and links are not text and are not scanned.
 */
export function scanToolResult<R extends ToolResultLike>(rules: DlpRuleSet, result: R): DlpScanOutcome<R> {
  const hits: Hit[] = [];
  // A plain loop, no closure per call or block: this runs on every result of a covered call.
  const content = result.content;
  if (content) {
    for (let i = 0; i < content.length; i++) {
      const b = content[i] as { type?: unknown; text?: unknown; resource?: { text?: unknown } } | null;
      if (b?.type === "text" && typeof b.text === "string") {
        const matches = findMatches(b.text, rules.detectors, undefined);
        if (matches.length > 0)
          hits.push({ path: ["content", i, "text"], value: b.text, matches, kind: "value" });
      } else if (b?.type === "resource" && typeof b.resource?.text === "string") {
        const value = b.resource.text;
        const matches = findMatches(value, rules.detectors, undefined);
        if (matches.length > 0)
          hits.push({ path: ["content", i, "resource", "text"], value, matches, kind: "value" });
      }
    }
  }
  if (result.structuredContent !== undefined) {
    forEachTextLeaf(result.structuredContent, (value, fieldName, path, kind) => {
      const matches = findMatches(value, rules.detectors, fieldName);
      if (matches.length > 0) hits.push({ path: ["structuredContent", ...path()], value, matches, kind });
    });
  }
  return conclude(rules, "result", "$", result, hits);
}

/**
 * Scans every string of a JSON value except members named in `skip` (binary payloads and
 * protocol tags such as `blob`, `data`, `type`, `mimeType`): resource contents, prompt
 * messages, a prompt's arguments, an upstream error message. Paths start at `prefix`.
 */
export function scanJsonValue<T>(
  rules: DlpRuleSet,
  direction: DlpFinding["direction"],
  prefix: string,
  root: T,
  skip: ReadonlySet<string> = new Set(),
): DlpScanOutcome<T> {
  const hits: Hit[] = [];
  forEachTextLeaf(root, (value, fieldName, path, kind) => {
    if (kind === "value" && fieldName !== undefined && skip.has(fieldName)) return;
    const matches = findMatches(value, rules.detectors, fieldName);
    if (matches.length > 0) hits.push({ path: path(), value, matches, kind });
  });
  return conclude(rules, direction, prefix, root, hits);
}

function conclude<T>(
  rules: DlpRuleSet,
  direction: DlpFinding["direction"],
  prefix: string,
  root: T,
  hits: Hit[],
): DlpScanOutcome<T> {
  if (hits.length === 0) return { findings: [], output: root, masked: root, blocked: null };
  const findings: DlpFinding[] = [];
  const recorded = new Set<string>();
  let blocked: DlpScanOutcome<T>["blocked"] = null;
  const redactions: Array<{ path: PathSegment[]; value: string }> = [];
  const masks: Array<{ path: PathSegment[]; value: string }> = [];
  const keyRedactions: Array<{ path: PathSegment[]; to: string }> = [];
  const keyMasks: Array<{ path: PathSegment[]; to: string }> = [];
  // A path through a member whose name matched must not spell the name out.
  const secretKeys = new Set(hits.filter((h) => h.kind === "key").map((h) => h.value));
  const where = (segments: PathSegment[]) =>
    jsonPath(
      prefix,
      secretKeys.size === 0
        ? segments
        : segments.map((s) => (typeof s === "string" && secretKeys.has(s) ? KEY_MARK : s)),
    );

  for (const hit of hits) {
    const path = hit.kind === "key" ? where([...hit.path.slice(0, -1), KEY_MARK]) : where(hit.path);
    if (hit.kind === "key") {
      keyMasks.push({ path: hit.path, to: redact(hit.value, hit.matches) });
      const redactingKey = hit.matches.filter((m) => rules.entries.get(m.detector)!.redacts);
      if (redactingKey.length > 0)
        keyRedactions.push({ path: hit.path, to: redact(hit.value, redactingKey) });
    }
    for (const m of hit.matches) {
      const entry = rules.entries.get(m.detector)!;
      for (const policy of entry.policies) {
        const finding: DlpFinding = {
          detector: m.detector.id,
          direction,
          path,
          action: policy.action,
          policyId: policy.id,
        };
        if (policy.action === "block" && blocked === null) blocked = { policy, finding };
        const rule = `${policy.id}\0${m.detector.id}\0${policy.action}`;
        const key = `${rule}\0${path}`;
        if (recorded.has(key) || (findings.length >= DLP_MAX_FINDINGS && recorded.has(rule))) continue;
        recorded.add(key).add(rule);
        findings.push(finding);
      }
    }
    if (hit.kind === "key") continue;
    masks.push({ path: hit.path, value: redact(hit.value, hit.matches) });
    const redacting = hit.matches.filter((m) => rules.entries.get(m.detector)!.redacts);
    if (redacting.length > 0) redactions.push({ path: hit.path, value: redact(hit.value, redacting) });
  }
  return {
    findings,
    output: withRenamedKeys(withReplacedLeaves(root, redactions), keyRedactions),
    masked: withRenamedKeys(withReplacedLeaves(root, masks), keyMasks),
    blocked,
  };
}
