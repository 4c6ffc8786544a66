import { type DlpAction, dlpPolicyConfig } from "@portcullis/contracts/dlp-policy";
import type { SnapshotPolicy, SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import { describeConfigProblems } from "../config-problems";
import { type CompiledScope, compileScope, type ScopedCall, scopeCovers, scopedCall } from "../policy-scope";
import type { PolicySubject } from "../policy-subject";
import type { Detector } from "./detector";
import { ALL_BUILTIN_DETECTORS, BUILTIN_DETECTORS, customDetector } from "./detectors";

/** The facts about a tool call that decide which DLP policies cover it. */
export type DlpCall = ScopedCall;

export interface CompiledDlpPolicy {
  id: string;
  name: string;
  action: DlpAction;
}

/** One detector and the policies (with their actions) that run it for a call. */
export interface DlpRuleEntry {
  detector: Detector;
  policies: CompiledDlpPolicy[];
  /** Some covering policy redacts this detector's matches. */
  redacts: boolean;
  /** Some covering policy blocks on this detector's matches. */
  blocks: boolean;
}

/** What runs on one direction of one call; built once per (agent, tool) and snapshot. */
export interface DlpRuleSet {
  detectors: Detector[];
  entries: Map<Detector, DlpRuleEntry>;
}

export interface SkippedDlpPolicy {
  id: string;
  name: string;
  problem: string;
}

interface PolicyRules extends CompiledDlpPolicy {
  scope: CompiledScope;
  onArguments: boolean;
  onResults: boolean;
  detectors: Detector[];
}

/** A snapshot's DLP policies, compiled: which detectors run on which call, with which action. */
export class CompiledDlpPolicies {
  private readonly byCall = new Map<string, { arguments: DlpRuleSet | null; results: DlpRuleSet | null }>();
  private readonly byTool = new Map<
    string,
    Map<string, { arguments: DlpRuleSet | null; results: DlpRuleSet | null }>
  >();

  constructor(
    private readonly policies: readonly PolicyRules[],
    /** Policies whose config did not validate: skipped whole, never half-applied. */
    readonly skipped: readonly SkippedDlpPolicy[],
  ) {}

  get size(): number {
    return this.policies.length;
  }

  /**
   * The rules covering a call, per direction (null: nothing to scan). A policy covers a
   * call when it belongs to the call's organization and each non-empty scope list names the
   * call's team, agent, server and tool. Cached: the answer only changes with the snapshot.
   */
  forCall(call: DlpCall): { arguments: DlpRuleSet | null; results: DlpRuleSet | null } {
    const key = `${call.agentId}/${call.userId ?? ""}/${call.toolId}`;
    let rules = this.byCall.get(key);
    if (rules) return rules;
    const covering = this.policies.filter((p) => scopeCovers(p.scope, call));
    rules = {
      arguments: ruleSet(covering.filter((p) => p.onArguments)),
      results: ruleSet(covering.filter((p) => p.onResults)),
    };
    this.byCall.set(key, rules);
    return rules;
  }

  /**
   * `forCall` for `subject`'s call to `tool`, made for `personId`: the gateway asks on every
   * call (arguments and result), so a known (subject, tool) is two map lookups, without
   * building the call's scope facts or a key string; a new one is decided by `forCall`.
   */
  forTool(
    subject: PolicySubject,
    server: SnapshotServer,
    tool: SnapshotTool,
    personId: string | null,
  ): { arguments: DlpRuleSet | null; results: DlpRuleSet | null } {
    let bySubject = this.byTool.get(tool.id);
    if (!bySubject) {
      bySubject = new Map();
      this.byTool.set(tool.id, bySubject);
    }
    const subjectKey = personId === null ? subject.id : `${subject.id}/${personId}`;
    let rules = bySubject.get(subjectKey);
    if (!rules) {
      rules = this.forCall(scopedCall(subject, server, tool, personId));
      bySubject.set(subjectKey, rules);
    }
    return rules;
  }
}

function ruleSet(policies: PolicyRules[]): DlpRuleSet | null {
  if (policies.length === 0) return null;
  const entries = new Map<Detector, DlpRuleEntry>();
  for (const p of policies) {
    const policy: CompiledDlpPolicy = { id: p.id, name: p.name, action: p.action };
    for (const detector of p.detectors) {
      let entry = entries.get(detector);
      if (!entry) {
        entry = { detector, policies: [], redacts: false, blocks: false };
        entries.set(detector, entry);
      }
      entry.policies.push(policy);
      if (p.action === "redact") entry.redacts = true;
      if (p.action === "block") entry.blocks = true;
    }
  }
  return { detectors: [...entries.keys()], entries };
}

/**
 * Validates and compiles a snapshot's `dlp` policies (already in priority order). Custom
 * patterns are compiled here, once per snapshot, never per request.
 */
export function compileDlpPolicies(policies: readonly SnapshotPolicy[]): CompiledDlpPolicies {
  const compiled: PolicyRules[] = [];
  const skipped: SkippedDlpPolicy[] = [];
  for (const p of policies) {
    if (p.kind !== "dlp") continue;
    const parsed = dlpPolicyConfig.safeParse(p.config);
    if (!parsed.success) {
      skipped.push({ id: p.id, name: p.name, problem: describeConfigProblems(parsed.error) });
      continue;
    }
    const config = parsed.data;
    const builtins =
      config.detectors === "all"
        ? ALL_BUILTIN_DETECTORS
        : [...new Set(config.detectors)].map((id) => BUILTIN_DETECTORS[id]);
    compiled.push({
      id: p.id,
      name: p.name,
      scope: compileScope(p),
      action: config.action,
      onArguments: config.direction !== "results",
      onResults: config.direction !== "arguments",
      detectors: [...builtins, ...config.custom.map(customDetector)],
    });
  }
  return new CompiledDlpPolicies(compiled, skipped);
}
