import { RE2JS } from "re2js";
import { z } from "zod";
import { policyFileEntry } from "./policy-file-entry";
import { riskClass } from "./snapshot";

/**
 * Human approval of risky tool calls (issue 4).
 *
 * Two things can hold a call for a person's decision:
 * - a grant with effect `approve` (optionally with a `condition`: then only calls whose
 *   arguments match it wait; the others are allowed by that grant), and
 * - a policy of kind `approval`, whose config is `approvalPolicyConfig` below:
 *
 * ```yaml
 * - name: destructive-needs-a-human
 *   kind: approval
 *   scope: { teams: [platform] }       # optional: teams, agents, servers, tools (server__tool)
 *   config:
 *     riskClasses: [destructive]       # absent: tools of every risk class in scope
 *     when: { path: env, in: [prod, production] }   # absent: every call in scope
 *     timeoutSec: 900                  # absent: 600 (10 minutes)
 *     reason: Destructive calls against production need a second pair of eyes
 * ```
 *
 * Both are evaluated by `@portcullis/policy/approval-rules`, by the gateway on every call
 * and by the console's preview, so the two always agree.
 */

/** How long a call waits for a decision when neither the grant nor the policy says. */
export const DEFAULT_APPROVAL_TIMEOUT_SEC = 600;
/** At most a week: a decision later than that is not a decision about this call any more. */
export const MAX_APPROVAL_TIMEOUT_SEC = 7 * 24 * 3600;

/** Regular expressions in conditions are bounded in size. */
export const CONDITION_REGEX_MAX_LENGTH = 256;

/**
 * An argument path: dot-separated object keys from the top of the arguments; a segment
 * that is a number indexes an array; `*` stands for every element of an array (or every
 * value of an object), and the condition holds when it holds for any of them.
 * `target.env`, `files.*.path`, `steps.0.command`.
 */
export const argumentPath = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^.]+(\.[^.]+)*$/, "dot-separated keys, e.g. target.env or files.*.path");

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Flags of a `matches` expression: i (case-insensitive), m (multi-line), s (`.` matches newlines). */
export const conditionRegexFlags = z
  .string()
  .regex(/^[ims]*$/, "only the flags i, m and s")
  .max(3);

/** RE2 flag bits for a `matches` flag string. */
export function re2Flags(flags: string | undefined): number {
  let bits = 0;
  if (flags?.includes("i")) bits |= RE2JS.CASE_INSENSITIVE;
  if (flags?.includes("m")) bits |= RE2JS.MULTILINE;
  if (flags?.includes("s")) bits |= RE2JS.DOTALL;
  return bits;
}

/**
 * `matches` uses RE2 syntax and RE2's linear-time engine (re2js), never JavaScript's
 * backtracking RegExp: the agent chooses the input, so a pattern such as `.*.*x` must not
 * be able to stall the gateway. RE2 has no backreferences and no lookaround.
 */
const regexSource = z
  .string()
  .min(1)
  .max(CONDITION_REGEX_MAX_LENGTH)
  .superRefine((source, ctx) => {
    try {
      RE2JS.compile(source);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `not a valid RE2 regular expression: ${(error as Error).message}`,
      });
    }
  });

/**
 * How strings compare in `equals`, `in` and `matches`. Absent: exactly, code unit for code
 * unit, so `"Prod "` is not `"prod"` (the meaning conditions always had). `trim` drops
 * leading and trailing whitespace of the argument (and of the condition's own strings);
 * `ignore-case` compares case-insensitively. An agent chooses its arguments: a condition
 * meant to catch a value should usually say `normalize: [trim, ignore-case]`.
 */
export const CONDITION_NORMALIZATIONS = ["trim", "ignore-case"] as const;
export type ConditionNormalization = (typeof CONDITION_NORMALIZATIONS)[number];
export const conditionNormalize = z
  .array(z.enum(CONDITION_NORMALIZATIONS))
  .min(1)
  .max(CONDITION_NORMALIZATIONS.length)
  .refine((list) => new Set(list).size === list.length, "each normalization at most once");

/** `{ path, equals, normalize? }`: a value at `path` equals this JSON value (objects and arrays structurally). */
const jsonValue = z.json();
const equalsMatcher = z
  .object({ path: argumentPath, equals: jsonValue, normalize: conditionNormalize.optional() })
  .strict();
/** `{ path, in, normalize? }`: a value at `path` is one of these scalars. */
const inMatcher = z
  .object({
    path: argumentPath,
    in: z.array(jsonScalar).min(1).max(100),
    normalize: conditionNormalize.optional(),
  })
  .strict();
/**
 * `{ path, matches, flags?, normalize? }`: a string (or number) at `path` contains a match
 * of this RE2 expression. `ignore-case` is the `i` flag; `trim` trims the argument first.
 */
const matchesMatcher = z
  .object({
    path: argumentPath,
    matches: regexSource,
    flags: conditionRegexFlags.optional(),
    normalize: conditionNormalize.optional(),
  })
  .strict();
/**
 * `{ path, exists }`: `true` holds when `path` resolves to at least one value (`null`
 * included), `false` when it resolves to none.
 */
const existsMatcher = z.object({ path: argumentPath, exists: z.boolean() }).strict();

export type ArgumentMatcher =
  | { path: string; equals: z.infer<typeof jsonValue>; normalize?: ConditionNormalization[] }
  | { path: string; in: Array<string | number | boolean | null>; normalize?: ConditionNormalization[] }
  | { path: string; matches: string; flags?: string; normalize?: ConditionNormalization[] }
  | { path: string; exists: boolean };

/**
 * A condition on a call's arguments: one matcher, or `all` / `any` / `not` of conditions.
 * Data only, evaluated by a small interpreter: nothing in it is ever executed as code.
 */
export type ApprovalCondition =
  | ArgumentMatcher
  | { all: ApprovalCondition[] }
  | { any: ApprovalCondition[] }
  | { not: ApprovalCondition };

export const approvalCondition: z.ZodType<ApprovalCondition> = z.lazy(() =>
  z.union([
    equalsMatcher,
    inMatcher,
    matchesMatcher,
    existsMatcher,
    z.object({ all: z.array(approvalCondition).min(1).max(32) }).strict(),
    z.object({ any: z.array(approvalCondition).min(1).max(32) }).strict(),
    z.object({ not: approvalCondition }).strict(),
  ]),
) as z.ZodType<ApprovalCondition>;

export const approvalPolicyConfig = z
  .object({
    /** Tools of these risk classes need approval; absent: every tool the policy's scope covers. */
    riskClasses: z.array(riskClass).min(1).optional(),
    /** Only calls whose arguments match; absent: every call. */
    when: approvalCondition.optional(),
    /** How long the call waits for a decision before it is denied as expired. */
    timeoutSec: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_SEC).optional(),
    /** Shown to the approver, and to the agent if the call is refused. */
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type ApprovalPolicyConfig = z.infer<typeof approvalPolicyConfig>;

/** A `approval` policy as written in the apply file. */
export const approvalPolicyFileEntry = policyFileEntry("approval", approvalPolicyConfig);
export type ApprovalPolicyFileEntry = z.infer<typeof approvalPolicyFileEntry>;

/**
 * What an approval binds to: SHA-256 (hex) of the arguments' canonical JSON (object keys
 * sorted at every depth, `undefined` members dropped). The gateway computes it over the
 * arguments it would send; an approved call runs only if its arguments hash the same.
 * Web Crypto, so this stays free of Node-only imports.
 */
export async function approvalArgumentsHash(args: unknown): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson(args));
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? "null";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object" && !(value instanceof Date)) {
    // No prototype: a `__proto__` key in the arguments stays data and is hashed like any other.
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
