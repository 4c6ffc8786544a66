"use client";

import { type DlpAction, type DlpDirection, dlpAction, dlpDirection } from "@portcullis/contracts/dlp-policy";
import { Button } from "../ui/button";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { CheckboxGroup } from "./checkbox-group";
import { DLP_DETECTORS, errorUnder, type PolicyDraft } from "./policy-draft";

const ACTION_LABELS: Record<DlpAction, string> = {
  block: "Block: refuse the call (or replace the result with an error)",
  redact: "Redact: replace each match with [REDACTED:<detector>]",
  log: "Log: record the finding, change nothing",
};
const DIRECTION_LABELS: Record<DlpDirection, string> = {
  arguments: "Arguments (what the agent sends)",
  results: "Results (what the tool returns)",
  both: "Both",
};

export function DlpFields({
  value,
  onChange,
  errors,
  disabled,
}: {
  value: PolicyDraft["dlp"];
  onChange: (next: PolicyDraft["dlp"]) => void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  const set = (patch: Partial<PolicyDraft["dlp"]>) => onChange({ ...value, ...patch });
  const setCustom = (i: number, patch: Partial<PolicyDraft["dlp"]["custom"][number]>) =>
    set({ custom: value.custom.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  return (
    <div className="space-y-4">
      <label className="inline-flex items-center gap-1.5 text-sm font-medium text-slate-800">
        <input
          type="checkbox"
          className="h-4 w-4 rounded border-slate-300 text-indigo-600"
          checked={value.all}
          disabled={disabled}
          onChange={(e) => set({ all: e.target.checked })}
        />
        Every built-in detector (and those added later)
      </label>
      {!value.all ? (
        <CheckboxGroup
          legend="Detectors"
          options={DLP_DETECTORS}
          value={value.detectors}
          onChange={(detectors) => set({ detectors })}
          error={errorUnder(errors, "config.detectors")}
          disabled={disabled}
        />
      ) : (
        errors["config.detectors"] && (
          <p role="alert" className="text-xs font-medium text-red-700">
            {errors["config.detectors"]}
          </p>
        )
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Action" required error={errors["config.action"]}>
          <Select
            value={value.action}
            disabled={disabled}
            onChange={(e) => set({ action: e.target.value as DlpAction })}
            options={dlpAction.options.map((a) => ({ value: a, label: ACTION_LABELS[a] }))}
          />
        </Field>
        <Field label="Direction" error={errors["config.direction"]}>
          <Select
            value={value.direction}
            disabled={disabled}
            onChange={(e) => set({ direction: e.target.value as DlpDirection })}
            options={dlpDirection.options.map((d) => ({ value: d, label: DIRECTION_LABELS[d] }))}
          />
        </Field>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Custom patterns</legend>
        <p className="text-xs text-slate-500">
          RE2 regular expressions (no delimiters; no backreferences or lookaround, so matching stays
          linear-time). The name is reported as the detector.
        </p>
        {errors["config.custom"] && (
          <p role="alert" className="text-xs font-medium text-red-700">
            {errors["config.custom"]}
          </p>
        )}
        {value.custom.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
          <div key={i} className="grid grid-cols-[10rem_1fr_auto_auto] items-start gap-2">
            <Field label={`Name ${i + 1}`} error={errors[`config.custom.${i}.name`]}>
              <Input
                value={c.name}
                disabled={disabled}
                placeholder="employee-id"
                onChange={(e) => setCustom(i, { name: e.target.value })}
              />
            </Field>
            <Field label={`Pattern ${i + 1}`} error={errorUnder(errors, `config.custom.${i}.pattern`)}>
              <Input
                value={c.pattern}
                disabled={disabled}
                placeholder="EMP-\d{6}"
                className="font-mono text-xs"
                onChange={(e) => setCustom(i, { pattern: e.target.value })}
              />
            </Field>
            <label className="mt-7 inline-flex items-center gap-1 text-xs text-slate-700">
              <input
                type="checkbox"
                checked={c.ignoreCase}
                disabled={disabled}
                onChange={(e) => setCustom(i, { ignoreCase: e.target.checked })}
              />
              ignore case
            </label>
            {!disabled && (
              <Button
                variant="ghost"
                size="sm"
                className="mt-6"
                aria-label={`Remove custom pattern ${i + 1}`}
                onClick={() => set({ custom: value.custom.filter((_, j) => j !== i) })}
              >
                ✕
              </Button>
            )}
          </div>
        ))}
        {!disabled && (
          <Button
            variant="secondary"
            size="sm"
            onClick={() => set({ custom: [...value.custom, { name: "", pattern: "", ignoreCase: false }] })}
          >
            Add a pattern
          </Button>
        )}
      </fieldset>
    </div>
  );
}
