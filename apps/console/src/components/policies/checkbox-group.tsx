"use client";

import { useId } from "react";

/** A row of labelled checkboxes choosing a subset of `options`, with a group error. */
export function CheckboxGroup<T extends string>({
  legend,
  options,
  value,
  onChange,
  hint,
  error,
  disabled,
  labels,
}: {
  legend: string;
  options: readonly T[];
  value: readonly T[];
  onChange: (next: T[]) => void;
  hint?: string;
  error?: string;
  disabled?: boolean;
  labels?: Partial<Record<T, string>>;
}) {
  const id = useId();
  return (
    <fieldset
      className="space-y-1"
      aria-describedby={error ? `${id}-error` : hint ? `${id}-hint` : undefined}
    >
      <legend className="text-sm font-medium text-slate-800">{legend}</legend>
      <div className="flex flex-wrap gap-x-4 gap-y-1.5 pt-1">
        {options.map((option) => (
          <label key={option} className="inline-flex items-center gap-1.5 text-sm text-slate-800">
            <input
              type="checkbox"
              className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus:ring-indigo-600"
              checked={value.includes(option)}
              disabled={disabled}
              onChange={(e) =>
                onChange(
                  e.target.checked
                    ? options.filter((o) => o === option || value.includes(o))
                    : value.filter((v) => v !== option),
                )
              }
            />
            {labels?.[option] ?? option}
          </label>
        ))}
      </div>
      {hint && !error && (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </fieldset>
  );
}
