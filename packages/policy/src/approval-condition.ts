import {
  type ApprovalCondition,
  approvalCondition,
  type ConditionNormalization,
  re2Flags,
} from "@portcullis/contracts/approval-policy";
import { RE2JS } from "re2js";

/**
 * Argument conditions (contracts/approval-policy.ts), compiled once and evaluated by a small
 * interpreter: paths are walked over own properties only, regexes run on RE2's linear-time
 * engine, and nothing in a condition is ever executed as code.
 */
export type CompiledCondition =
  | { kind: "equals"; path: string[]; value: unknown; norm: StringNorm | undefined }
  | { kind: "in"; path: string[]; values: unknown[]; norm: StringNorm | undefined }
  | { kind: "matches"; path: string[]; re: RE2JS; norm: StringNorm | undefined }
  | { kind: "exists"; path: string[]; exists: boolean }
  | { kind: "all"; of: CompiledCondition[] }
  | { kind: "any"; of: CompiledCondition[] }
  | { kind: "not"; of: CompiledCondition };

export interface ConditionResult {
  matched: boolean;
  /** Concrete paths of the values that made it match (`files.2.path`): what to highlight. */
  paths: string[];
}

/** Parses and compiles a condition; throws an Error naming the problem when it is invalid. */
export function compileCondition(raw: unknown): CompiledCondition {
  const parsed = approvalCondition.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new Error(`invalid argument condition${where}: ${issue?.message ?? "unknown problem"}`);
  }
  return compile(parsed.data);
}

function compile(c: ApprovalCondition): CompiledCondition {
  if ("all" in c) return { kind: "all", of: c.all.map(compile) };
  if ("any" in c) return { kind: "any", of: c.any.map(compile) };
  if ("not" in c) return { kind: "not", of: compile(c.not) };
  const path = c.path.split(".");
  if ("exists" in c) return { kind: "exists", path, exists: c.exists };
  const norm = stringNorm(c.normalize);
  if ("equals" in c) return { kind: "equals", path, value: normalizeStrings(c.equals, norm), norm };
  if ("in" in c) return { kind: "in", path, values: c.in.map((v) => normalizeStrings(v, norm)), norm };
  // Case is the regex engine's business (the i flag); only trimming touches the argument.
  const flags = c.normalize?.includes("ignore-case") ? `${c.flags ?? ""}i` : c.flags;
  const trimOnly = c.normalize?.includes("trim") ? stringNorm(["trim"]) : undefined;
  return { kind: "matches", path, re: RE2JS.compile(c.matches, re2Flags(flags)), norm: trimOnly };
}

/** A string transform applied to both sides of a comparison. */
type StringNorm = (value: string) => string;

function stringNorm(normalize: readonly ConditionNormalization[] | undefined): StringNorm | undefined {
  if (!normalize?.length) return undefined;
  const trim = normalize.includes("trim");
  const fold = normalize.includes("ignore-case");
  return (value) => {
    const trimmed = trim ? value.trim() : value;
    return fold ? trimmed.toLowerCase() : trimmed;
  };
}

/** The value with every string in it (at any depth) normalized; other values as they are. */
function normalizeStrings(value: unknown, norm: StringNorm | undefined): unknown {
  if (!norm) return value;
  if (typeof value === "string") return norm(value);
  if (Array.isArray(value)) return value.map((v) => normalizeStrings(v, norm));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) out[k] = normalizeStrings(v, norm);
    return out;
  }
  return value;
}

/** Evaluates a compiled condition against a call's arguments. */
export function evaluateCondition(condition: CompiledCondition, args: unknown): ConditionResult {
  switch (condition.kind) {
    case "all": {
      const paths: string[] = [];
      for (const c of condition.of) {
        const r = evaluateCondition(c, args);
        if (!r.matched) return { matched: false, paths: [] };
        paths.push(...r.paths);
      }
      return { matched: true, paths: unique(paths) };
    }
    case "any": {
      const paths: string[] = [];
      let matched = false;
      for (const c of condition.of) {
        const r = evaluateCondition(c, args);
        if (r.matched) {
          matched = true;
          paths.push(...r.paths);
        }
      }
      return { matched, paths: unique(paths) };
    }
    case "not":
      // What is absent cannot be highlighted: a negated condition names no value.
      return { matched: !evaluateCondition(condition.of, args).matched, paths: [] };
    case "exists": {
      const found = resolvePath(args, condition.path);
      const matched = condition.exists ? found.length > 0 : found.length === 0;
      return { matched, paths: matched ? found.map((f) => f.path) : [] };
    }
    default: {
      const hits = resolvePath(args, condition.path).filter((f) => test(condition, f.value));
      return { matched: hits.length > 0, paths: hits.map((h) => h.path) };
    }
  }
}

function test(condition: Extract<CompiledCondition, { kind: "equals" | "in" | "matches" }>, raw: unknown) {
  const value = normalizeStrings(raw, condition.norm);
  switch (condition.kind) {
    case "equals":
      return jsonEqual(condition.value, value);
    case "in":
      return condition.values.some((v) => v === value);
    case "matches":
      if (typeof value === "number") return condition.re.matcher(String(value)).find();
      return typeof value === "string" && condition.re.matcher(value).find();
  }
}

/**
 * Every value at `path` with its concrete path. `*` expands to every array element or
 * object value; a numeric segment indexes an array. Only own properties are followed, so
 * `__proto__` or `constructor` name data, never the prototype chain.
 */
export function resolvePath(root: unknown, path: readonly string[]): Array<{ path: string; value: unknown }> {
  let current: Array<{ path: string[]; value: unknown }> = [{ path: [], value: root }];
  for (const segment of path) {
    const next: typeof current = [];
    for (const { path: at, value } of current) {
      if (value === null || typeof value !== "object") continue;
      if (segment === "*") {
        const entries = Array.isArray(value)
          ? value.map((v, i) => [String(i), v] as const)
          : Object.entries(value);
        for (const [k, v] of entries) next.push({ path: [...at, k], value: v });
      } else if (Object.hasOwn(value, segment)) {
        next.push({ path: [...at, segment], value: (value as Record<string, unknown>)[segment] });
      }
    }
    current = next;
  }
  return current
    .filter((c) => c.value !== undefined)
    .map((c) => ({ path: c.path.join("."), value: c.value }));
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) =>
        Object.hasOwn(b, k) &&
        jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

function unique(paths: string[]): string[] {
  return [...new Set(paths)];
}

/** A condition in words, for the console and messages: `env in [prod, production]`. */
export function describeCondition(c: ApprovalCondition): string {
  if ("all" in c) return c.all.map((x) => wrap(describeCondition(x), x)).join(" and ");
  if ("any" in c) return c.any.map((x) => wrap(describeCondition(x), x)).join(" or ");
  if ("not" in c) return `not (${describeCondition(c.not)})`;
  if ("exists" in c) return c.exists ? `${c.path} is set` : `${c.path} is not set`;
  const how = normalizationWords(c.normalize);
  const suffix = how ? ` (${how})` : "";
  if ("equals" in c) return `${c.path} = ${JSON.stringify(c.equals)}${suffix}`;
  if ("in" in c) return `${c.path} in [${c.in.map((v) => JSON.stringify(v)).join(", ")}]${suffix}`;
  return `${c.path} matches /${c.matches}/${c.flags ?? ""}${suffix}`;
}

/**
 * What a matcher's `normalize` means in words ("ignoring case and surrounding spaces"), or
 * undefined when strings compare exactly. The console and messages say it next to the
 * condition, so that an exact comparison is never mistaken for a forgiving one.
 */
export function normalizationWords(
  normalize: readonly ConditionNormalization[] | undefined,
): string | undefined {
  const trim = normalize?.includes("trim");
  const fold = normalize?.includes("ignore-case");
  if (trim && fold) return "ignoring case and surrounding spaces";
  if (trim) return "ignoring surrounding spaces";
  if (fold) return "ignoring case";
  return undefined;
}

function wrap(text: string, c: ApprovalCondition): string {
  return "all" in c || "any" in c ? `(${text})` : text;
}
