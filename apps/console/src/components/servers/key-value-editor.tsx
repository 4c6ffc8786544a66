"use client";

import { useId } from "react";
import { Button } from "../ui/button";
import { Input } from "../ui/input";

export interface KeyValueRow {
  key: string;
  value: string;
}

/** Rows → record, skipping rows without a key. */
export function rowsToRecord(rows: KeyValueRow[]): Record<string, string> {
  return Object.fromEntries(rows.filter((r) => r.key.trim() !== "").map((r) => [r.key.trim(), r.value]));
}

/**
 * Editable name/value pairs (HTTP headers, environment variables). Values are typed as
 * passwords: they are secrets, sealed when stored and never shown again.
 */
export function KeyValueEditor({
  label,
  rows,
  onChange,
  keyPlaceholder,
  valuePlaceholder = "value",
  errors,
}: {
  /** What one pair is ("Header", "Variable"): used in the inputs' accessible names. */
  label: string;
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  keyPlaceholder: string;
  valuePlaceholder?: string;
  /** Messages by key (from the API's `headers.<name>` field errors). */
  errors?: Record<string, string>;
}) {
  const id = useId();
  const update = (i: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="space-y-2">
      {rows.map((row, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their position
        <div key={`${id}-${i}`} className="space-y-1">
          <div className="flex gap-2">
            <Input
              aria-label={`${label} ${i + 1} name`}
              value={row.key}
              placeholder={keyPlaceholder}
              onChange={(e) => update(i, { key: e.target.value })}
              className="font-mono"
              autoComplete="off"
            />
            <Input
              aria-label={`${label} ${i + 1} value`}
              type="password"
              value={row.value}
              placeholder={valuePlaceholder}
              onChange={(e) => update(i, { value: e.target.value })}
              autoComplete="new-password"
            />
            <Button
              variant="ghost"
              size="sm"
              className="h-9"
              aria-label={`Remove ${label.toLowerCase()} ${i + 1}`}
              onClick={() => onChange(rows.filter((_, j) => j !== i))}
            >
              ✕
            </Button>
          </div>
          {errors?.[row.key.trim()] && (
            <p role="alert" className="text-xs font-medium text-red-700">
              {errors[row.key.trim()]}
            </p>
          )}
        </div>
      ))}
      <Button variant="secondary" size="sm" onClick={() => onChange([...rows, { key: "", value: "" }])}>
        Add {label.toLowerCase()}
      </Button>
    </div>
  );
}
