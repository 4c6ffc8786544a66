"use client";

import {
  type RateLimitPer,
  type RateLimitWindow,
  rateLimitPer,
  rateLimitWindow,
} from "@portcullis/contracts/rate-limit-policy";
import { Button } from "../ui/button";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { CheckboxGroup } from "./checkbox-group";
import { errorUnder, type PolicyDraft, RISK_CLASSES } from "./policy-draft";

const WINDOW_LABELS: Record<RateLimitWindow, string> = {
  second: "per second (sliding)",
  minute: "per minute (sliding)",
  hour: "per hour (sliding)",
  day: "per UTC day (quota)",
};

export function RateLimitFields({
  value,
  onChange,
  errors,
  disabled,
}: {
  value: PolicyDraft["rateLimit"];
  onChange: (next: PolicyDraft["rateLimit"]) => void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  const set = (patch: Partial<PolicyDraft["rateLimit"]>) => onChange({ ...value, ...patch });
  const setLimit = (i: number, patch: Partial<PolicyDraft["rateLimit"]["limits"][number]>) =>
    set({ limits: value.limits.map((l, j) => (j === i ? { ...l, ...patch } : l)) });
  return (
    <div className="space-y-4">
      <fieldset className="space-y-3">
        <legend className="text-sm font-medium text-slate-800">Limits</legend>
        <p className="text-xs text-slate-500">
          A call passes only if every limit has room. “Per” says whose budget a call draws from.
        </p>
        {errors["config.limits"] && (
          <p role="alert" className="text-xs font-medium text-red-700">
            {errors["config.limits"]}
          </p>
        )}
        {value.limits.map((l, i) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
            key={i}
            className="space-y-2 rounded-md border border-slate-200 p-3"
            data-testid={`limit-${i}`}
          >
            <div className="grid grid-cols-[7rem_1fr_1fr_auto] items-start gap-2">
              <Field label="Max calls" error={errors[`config.limits.${i}.max`]}>
                <Input
                  type="number"
                  min={1}
                  value={l.max}
                  disabled={disabled}
                  onChange={(e) => setLimit(i, { max: e.target.value })}
                />
              </Field>
              <Field label="Window" error={errors[`config.limits.${i}.window`]}>
                <Select
                  value={l.window}
                  disabled={disabled}
                  onChange={(e) => setLimit(i, { window: e.target.value as RateLimitWindow })}
                  options={rateLimitWindow.options.map((w) => ({ value: w, label: WINDOW_LABELS[w] }))}
                />
              </Field>
              <Field label="Per" error={errors[`config.limits.${i}.per`] ?? errors[`config.limits.${i}`]}>
                <Select
                  value={l.per}
                  disabled={disabled}
                  onChange={(e) => setLimit(i, { per: e.target.value as RateLimitPer })}
                  options={rateLimitPer.options.map((p) => ({ value: p, label: p }))}
                />
              </Field>
              {!disabled && value.limits.length > 1 && (
                <Button
                  variant="ghost"
                  size="sm"
                  className="mt-6"
                  aria-label={`Remove limit ${i + 1}`}
                  onClick={() => set({ limits: value.limits.filter((_, j) => j !== i) })}
                >
                  ✕
                </Button>
              )}
            </div>
            <CheckboxGroup
              legend="Counts only calls to tools of risk"
              options={RISK_CLASSES}
              value={l.appliesToRisk}
              onChange={(appliesToRisk) => setLimit(i, { appliesToRisk })}
              hint="None checked: the policy's default below."
              error={errorUnder(errors, `config.limits.${i}.appliesToRisk`)}
              disabled={disabled}
            />
          </div>
        ))}
        {!disabled && value.limits.length < 16 && (
          <Button
            variant="secondary"
            size="sm"
            onClick={() =>
              set({
                limits: [...value.limits, { per: "agent", window: "day", max: "1000", appliesToRisk: [] }],
              })
            }
          >
            Add a limit
          </Button>
        )}
      </fieldset>
      <CheckboxGroup
        legend="Default risk filter"
        options={RISK_CLASSES}
        value={value.appliesToRisk}
        onChange={(appliesToRisk) => set({ appliesToRisk })}
        hint="Limits count only calls to tools of these risk classes. None checked: every call."
        error={errorUnder(errors, "config.appliesToRisk")}
        disabled={disabled}
      />
      <Field
        label="When Redis is unreachable"
        error={errors["config.onRedisDown"]}
        hint="Either way the audit event says the limit could not be checked."
      >
        <Select
          value={value.onRedisDown}
          disabled={disabled}
          onChange={(e) => set({ onRedisDown: e.target.value as "open" | "closed" })}
          options={[
            { value: "open", label: "Let calls through (fail open)" },
            { value: "closed", label: "Refuse calls (fail closed)" },
          ]}
          className="w-72"
        />
      </Field>
    </div>
  );
}
