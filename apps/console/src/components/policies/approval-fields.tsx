"use client";

import { MAX_APPROVAL_TIMEOUT_SEC } from "@portcullis/contracts/approval-policy";
import { ConditionField } from "../ui/condition-field";
import { Field } from "../ui/field";
import { Input, Textarea } from "../ui/input";
import { CheckboxGroup } from "./checkbox-group";
import { errorUnder, type PolicyDraft, RISK_CLASSES } from "./policy-draft";

export function ApprovalFields({
  value,
  onChange,
  errors,
  disabled,
}: {
  value: PolicyDraft["approval"];
  onChange: (next: PolicyDraft["approval"]) => void;
  errors: Record<string, string>;
  disabled?: boolean;
}) {
  const set = (patch: Partial<PolicyDraft["approval"]>) => onChange({ ...value, ...patch });
  return (
    <div className="space-y-4">
      <CheckboxGroup
        legend="Risk classes that need approval"
        options={RISK_CLASSES}
        value={value.riskClasses}
        onChange={(riskClasses) => set({ riskClasses })}
        hint="None checked: tools of every risk class in scope."
        error={errorUnder(errors, "config.riskClasses")}
        disabled={disabled}
      />
      <Field
        label="Reason"
        required
        error={errors["config.reason"]}
        hint="Shown to the approver, and to the agent if the call is refused."
      >
        <Textarea
          value={value.reason}
          rows={2}
          disabled={disabled}
          onChange={(e) => set({ reason: e.target.value })}
        />
      </Field>
      <Field
        label="Timeout (seconds)"
        error={errors["config.timeoutSec"]}
        hint={`How long a call waits for a decision; empty: 600 (10 minutes). At most ${MAX_APPROVAL_TIMEOUT_SEC}.`}
      >
        <Input
          type="number"
          min={1}
          max={MAX_APPROVAL_TIMEOUT_SEC}
          value={value.timeoutSec}
          disabled={disabled}
          onChange={(e) => set({ timeoutSec: e.target.value })}
          className="w-40"
        />
      </Field>
      <ConditionField
        value={value.when}
        onChange={(when) => set({ when })}
        error={errorUnder(errors, "config.when")}
        disabled={disabled}
      />
    </div>
  );
}
