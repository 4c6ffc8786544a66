"use client";

import { type ApprovalCondition, approvalCondition } from "@portcullis/contracts/approval-policy";
import { conditionComparisons, withNormalization } from "@portcullis/policy/condition-normalization";
import { useId } from "react";
import { Field } from "./field";
import { Textarea } from "./input";

/** The result of reading a condition typed into a ConditionField. */
export type ConditionText =
  | { ok: true; condition: ApprovalCondition | undefined }
  | { ok: false; error: string };

/**
 * Reads the text of a ConditionField: empty means "no condition"; otherwise it must be
 * JSON of the `approvalCondition` shape (the same schema the API and the apply file use,
 * so the message here is the one the server would give).
 */
export function parseConditionText(text: string): ConditionText {
  if (text.trim() === "") return { ok: true, condition: undefined };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `not valid JSON: ${(error as Error).message}` };
  }
  const parsed = approvalCondition.safeParse(json);
  if (parsed.success) return { ok: true, condition: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? ` (at ${issue.path.map(String).join(".")})` : "";
  return {
    ok: false,
    error: `not a condition${where}: ${issue?.message ?? "invalid"}. Use one of path+equals, path+in, path+matches, path+exists, or all / any / not of conditions`,
  };
}

/** Shows a stored condition in the field: pretty JSON, or empty for none. */
export function conditionToText(condition: unknown): string {
  return condition === null || condition === undefined ? "" : JSON.stringify(condition, null, 2);
}

export interface ConditionFieldProps {
  label?: string;
  value: string;
  onChange: (text: string) => void;
  /** A server-side message (e.g. from a failed mutation) shown when the text itself parses. */
  error?: string | null;
  hint?: string;
  disabled?: boolean;
}

const EXAMPLE = '{ "path": "env", "in": ["prod", "production"] }';

/**
 * An argument condition as JSON, validated as it is typed, with the message next to the
 * field. Used by the grant editor and the approval-policy editor. Below it, each comparison
 * says how strings compare (exactly, or ignoring case and surrounding spaces), with a switch
 * that writes `normalize` on all of them: an agent chooses its arguments, and "Prod " must
 * not slip past `in: ["prod"]` without the editor seeing that it would.
 */
export function ConditionField({
  label = "Only when the arguments match",
  value,
  onChange,
  error,
  hint,
  disabled,
}: ConditionFieldProps) {
  const local = parseConditionText(value);
  return (
    <div className="space-y-2">
      <Field
        label={label}
        error={local.ok ? (error ?? null) : local.error}
        hint={
          hint ??
          `Optional. JSON, e.g. ${EXAMPLE}. Paths are dot-separated (target.env, files.*.path); combine with all, any, not. Empty: every call.`
        }
      >
        <Textarea
          value={value}
          onChange={(event) => onChange(event.target.value)}
          spellCheck={false}
          rows={4}
          disabled={disabled}
          placeholder={EXAMPLE}
          className="font-mono text-xs"
        />
      </Field>
      {local.ok && local.condition && (
        <ComparisonRules condition={local.condition} onChange={onChange} disabled={disabled} />
      )}
    </div>
  );
}

const CAREFUL = ["trim", "ignore-case"] as const;

function ComparisonRules({
  condition,
  onChange,
  disabled,
}: {
  condition: ApprovalCondition;
  onChange: (text: string) => void;
  disabled?: boolean;
}) {
  const id = useId();
  const comparisons = conditionComparisons(condition);
  if (comparisons.length === 0) return null;
  // One line per path and rule: `any` of two values of one path reads once.
  const lines = [...new Set(comparisons.map((c) => `${c.path}\u0000${c.how}`))].map((line) => {
    const [path = "", how = ""] = line.split("\u0000");
    return { key: line, path, how };
  });
  const careful = comparisons.every((c) => CAREFUL.every((n) => c.normalize.includes(n)));
  return (
    <div className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-xs text-slate-700">
      <label className="inline-flex items-center gap-1.5 font-medium text-slate-800">
        <input
          type="checkbox"
          className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
          checked={careful}
          disabled={disabled}
          aria-describedby={`${id}-rules`}
          onChange={(event) =>
            onChange(
              conditionToText(withNormalization(condition, event.target.checked ? [...CAREFUL] : undefined)),
            )
          }
        />
        Ignore case and surrounding spaces
      </label>
      <ul id={`${id}-rules`} aria-label="How values compare" className="mt-1 space-y-0.5">
        {lines.map((line) => (
          <li key={line.key}>
            <span className="font-mono">{line.path}</span> compares {line.how}
          </li>
        ))}
      </ul>
    </div>
  );
}
