import { approvalPolicyConfig } from "@portcullis/contracts/approval-policy";
import { configPolicy } from "@portcullis/contracts/config-policies";
import {
  DLP_DETECTORS,
  type DlpAction,
  type DlpDetectorId,
  type DlpDirection,
  dlpPolicyConfig,
} from "@portcullis/contracts/dlp-policy";
import {
  type RateLimitPer,
  type RateLimitWindow,
  rateLimitPolicyConfig,
} from "@portcullis/contracts/rate-limit-policy";
import type { RiskClass } from "@portcullis/contracts/snapshot";
import { conditionToText, parseConditionText } from "../ui/condition-field";

/**
 * The policy editor's form state and its conversion to and from the API's shape: a policy
 * exactly as the apply file's `policies:` entry writes it, checked here with the same
 * schema the server (and `portcullis apply`) uses, so messages appear at once and agree.
 */

export type EditableKind = "dlp" | "rate_limit" | "approval";
export type ScopeListName = "teams" | "agents" | "servers" | "tools" | "users";
export const SCOPE_LIST_NAMES: readonly ScopeListName[] = ["teams", "agents", "servers", "tools", "users"];

/** One scope entry: a name, or (name null) a stored id whose team/agent/server/tool was deleted since. */
export interface ScopeItem {
  ref: string;
  name: string | null;
}

export interface CustomDetectorDraft {
  name: string;
  pattern: string;
  ignoreCase: boolean;
}

export interface LimitDraft {
  per: RateLimitPer;
  window: RateLimitWindow;
  max: string;
  appliesToRisk: RiskClass[];
}

export interface PolicyDraft {
  name: string;
  kind: EditableKind;
  enabled: boolean;
  priority: string;
  scope: Record<ScopeListName, ScopeItem[]>;
  dlp: {
    all: boolean;
    detectors: DlpDetectorId[];
    custom: CustomDetectorDraft[];
    direction: DlpDirection;
    action: DlpAction;
  };
  rateLimit: { limits: LimitDraft[]; appliesToRisk: RiskClass[]; onRedisDown: "open" | "closed" };
  approval: { riskClasses: RiskClass[]; when: string; timeoutSec: string; reason: string };
}

/** A policy as listed by the API (policies.list / policies.get). */
export interface PolicyRow {
  id: string;
  name: string;
  kind: "dlp" | "rate_limit" | "approval" | "risk";
  enabled: boolean;
  priority: number;
  scope: Record<ScopeListName, ScopeItem[]>;
  config: Record<string, unknown>;
  createdBy: string | null;
  updatedAt: Date;
}

export const KIND_LABELS: Record<PolicyRow["kind"], string> = {
  dlp: "DLP",
  rate_limit: "Rate limit",
  approval: "Approval",
  risk: "Risk",
};

export const RISK_CLASSES: readonly RiskClass[] = ["read", "write", "destructive"];
export { DLP_DETECTORS };

export function emptyDraft(kind: EditableKind = "dlp"): PolicyDraft {
  return {
    name: "",
    kind,
    enabled: true,
    priority: "100",
    scope: { teams: [], agents: [], servers: [], tools: [], users: [] },
    dlp: { all: false, detectors: [], custom: [], direction: "both", action: "block" },
    rateLimit: {
      limits: [{ per: "agent", window: "minute", max: "60", appliesToRisk: [] }],
      appliesToRisk: [],
      onRedisDown: "open",
    },
    approval: { riskClasses: [], when: "", timeoutSec: "", reason: "" },
  };
}

/** The form state of a stored policy (its config read with its kind's schema). */
export function draftOf(row: PolicyRow): PolicyDraft {
  const draft = emptyDraft(row.kind === "risk" ? "dlp" : row.kind);
  draft.name = row.name;
  draft.enabled = row.enabled;
  draft.priority = String(row.priority);
  draft.scope = row.scope;
  if (row.kind === "dlp") {
    const c = dlpPolicyConfig.safeParse(row.config);
    if (c.success) {
      draft.dlp = {
        all: c.data.detectors === "all",
        detectors: c.data.detectors === "all" ? [] : c.data.detectors,
        custom: c.data.custom.map((d) => ({ name: d.name, pattern: d.pattern, ignoreCase: d.ignoreCase })),
        direction: c.data.direction,
        action: c.data.action,
      };
    }
  } else if (row.kind === "rate_limit") {
    const c = rateLimitPolicyConfig.safeParse(row.config);
    if (c.success) {
      draft.rateLimit = {
        limits: c.data.limits.map((l) => ({
          per: l.per,
          window: l.window,
          max: String(l.max),
          appliesToRisk: l.appliesToRisk ?? [],
        })),
        appliesToRisk: c.data.appliesToRisk ?? [],
        onRedisDown: c.data.onRedisDown,
      };
    }
  } else if (row.kind === "approval") {
    const c = approvalPolicyConfig.safeParse(row.config);
    if (c.success) {
      draft.approval = {
        riskClasses: c.data.riskClasses ?? [],
        when: conditionToText(c.data.when),
        timeoutSec: c.data.timeoutSec === undefined ? "" : String(c.data.timeoutSec),
        reason: c.data.reason,
      };
    }
  }
  return draft;
}

function number(text: string): number {
  return text.trim() === "" ? Number.NaN : Number(text);
}

/**
 * The API's input for a draft, or the field errors (keyed like the server's, without its
 * `policy.` prefix) that stop it from being sent.
 */
export function entryOf(draft: PolicyDraft): { entry: unknown; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const scope: Partial<Record<ScopeListName, string[]>> = {};
  for (const list of SCOPE_LIST_NAMES) {
    const items = draft.scope[list];
    if (items.some((i) => i.name === null)) {
      // Dropping it silently could widen the policy (an empty list means "all").
      errors[`scope.${list}`] =
        "Remove the deleted entries (marked in red) or the policy keeps matching nothing through them";
    }
    if (items.length > 0) scope[list] = items.map((i) => i.name ?? i.ref);
  }
  let config: Record<string, unknown>;
  if (draft.kind === "dlp") {
    config = {
      detectors: draft.dlp.all ? "all" : draft.dlp.detectors,
      custom: draft.dlp.custom,
      direction: draft.dlp.direction,
      action: draft.dlp.action,
    };
  } else if (draft.kind === "rate_limit") {
    const r = draft.rateLimit;
    config = {
      limits: r.limits.map((l) => ({
        per: l.per,
        window: l.window,
        max: number(l.max),
        ...(l.appliesToRisk.length > 0 && { appliesToRisk: l.appliesToRisk }),
      })),
      ...(r.appliesToRisk.length > 0 && { appliesToRisk: r.appliesToRisk }),
      onRedisDown: r.onRedisDown,
    };
  } else {
    const a = draft.approval;
    const when = parseConditionText(a.when);
    if (!when.ok) errors["config.when"] = when.error;
    config = {
      ...(a.riskClasses.length > 0 && { riskClasses: a.riskClasses }),
      ...(when.ok && when.condition !== undefined && { when: when.condition }),
      ...(a.timeoutSec.trim() !== "" && { timeoutSec: number(a.timeoutSec) }),
      reason: a.reason,
    };
  }
  const entry = {
    name: draft.name.trim(),
    kind: draft.kind,
    ...(!draft.enabled && { disabled: true }),
    ...(draft.priority.trim() !== "" && { priority: number(draft.priority) }),
    ...(Object.keys(scope).length > 0 && { scope }),
    config,
  };
  const parsed = configPolicy.safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.map(String).join(".") || "form";
      errors[key] ??= issue.message;
    }
  }
  return { entry, errors };
}

/** Server field errors keyed like the form's: `policy.config.detectors` → `config.detectors`. */
export function formErrorsOf(serverErrors: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(serverErrors).map(([k, v]) => [k.replace(/^policy\./, ""), v]));
}

/** The first error at `key` or below it (`scope.teams` covers `scope.teams.1`). */
export function errorUnder(errors: Record<string, string>, key: string): string | undefined {
  if (errors[key]) return errors[key];
  const nested = Object.entries(errors).find(([k]) => k.startsWith(`${key}.`));
  return nested?.[1];
}

/** Keys the form shows next to a field; anything else is listed above the buttons, never dropped. */
const SHOWN = [
  "name",
  "kind",
  "priority",
  "scope",
  "config.detectors",
  "config.custom",
  "config.direction",
  "config.action",
  "config.limits",
  "config.appliesToRisk",
  "config.onRedisDown",
  "config.riskClasses",
  "config.when",
  "config.timeoutSec",
  "config.reason",
];

export function unshownErrors(errors: Record<string, string>): string[] {
  return Object.entries(errors)
    .filter(([k]) => !SHOWN.some((s) => k === s || k.startsWith(`${s}.`)))
    .map(([k, v]) => (k === "form" || k === "(input)" ? v : `${k}: ${v}`));
}

/** One line saying what a policy does, for the list. */
export function configSummary(row: Pick<PolicyRow, "kind" | "config">): string {
  if (row.kind === "dlp") {
    const c = dlpPolicyConfig.safeParse(row.config);
    if (!c.success) return "invalid config";
    const detectors =
      c.data.detectors === "all"
        ? "all detectors"
        : [...c.data.detectors, ...c.data.custom.map((d) => d.name)].join(", ");
    const customs =
      c.data.detectors === "all" && c.data.custom.length > 0 ? ` + ${c.data.custom.length} custom` : "";
    return `${c.data.action} · ${detectors}${customs} · ${c.data.direction}`;
  }
  if (row.kind === "rate_limit") {
    const c = rateLimitPolicyConfig.safeParse(row.config);
    if (!c.success) return "invalid config";
    return c.data.limits.map((l) => `${l.max}/${l.window} per ${l.per}`).join(", ");
  }
  if (row.kind === "approval") {
    const c = approvalPolicyConfig.safeParse(row.config);
    if (!c.success) return "invalid config";
    const risk = c.data.riskClasses ? c.data.riskClasses.join(", ") : "every risk class";
    return `${risk}${c.data.when ? " · when arguments match" : ""} · ${c.data.reason}`;
  }
  return "";
}

/** "everything", or "teams: platform · tools: github__create-issue". */
export function scopeSummary(scope: PolicyRow["scope"]): string {
  const parts = SCOPE_LIST_NAMES.filter((l) => scope[l].length > 0).map(
    (l) => `${l}: ${scope[l].map((i) => i.name ?? `deleted ${l.slice(0, -1)}`).join(", ")}`,
  );
  return parts.length === 0 ? "everything" : parts.join(" · ");
}
