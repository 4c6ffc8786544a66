"use client";

import { type ApprovalCondition, approvalCondition } from "@portcullis/contracts/approval-policy";
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
 * field. Used by the grant editor and the approval-policy editor.
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
  );
}
