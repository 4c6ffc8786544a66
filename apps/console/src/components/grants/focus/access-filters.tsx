"use client";

import { CheckboxGroup } from "../../policies/checkbox-group";
import { Field } from "../../ui/field";
import { Input, Select } from "../../ui/input";
import {
  ACCESS_EFFECTS,
  ACCESS_LABELS,
  type AccessEffect,
  RISKS,
  type Risk,
  type ToolFilter,
} from "./access-model";

/** Narrows an access view: server (optional), tool name pattern, risk classes, effects. */
export function AccessFilters({
  filter,
  onChange,
  servers,
}: {
  filter: ToolFilter;
  onChange: (next: ToolFilter) => void;
  /** Omitted in the by-server view, where the server is the focus. */
  servers?: Array<{ id: string; name: string }>;
}) {
  return (
    <div className="flex flex-wrap items-end gap-x-6 gap-y-3">
      {servers && (
        <Field label="Server" className="w-56">
          <Select
            value={filter.serverId ?? ""}
            onChange={(e) => onChange({ ...filter, serverId: e.target.value || undefined })}
            placeholder="All servers"
            options={servers.map((s) => ({ value: s.id, label: s.name }))}
          />
        </Field>
      )}
      <Field label="Tool name pattern" className="w-56" hint="A glob, like delete_*">
        <Input
          value={filter.toolPattern ?? ""}
          placeholder="*"
          onChange={(e) => onChange({ ...filter, toolPattern: e.target.value })}
        />
      </Field>
      <CheckboxGroup<Risk>
        legend="Risk"
        options={RISKS}
        value={filter.risk ?? []}
        onChange={(risk) => onChange({ ...filter, risk })}
      />
      <CheckboxGroup<AccessEffect>
        legend="Access"
        options={ACCESS_EFFECTS}
        labels={ACCESS_LABELS}
        value={filter.effect ?? []}
        onChange={(effect) => onChange({ ...filter, effect })}
      />
    </div>
  );
}
