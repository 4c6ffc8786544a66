"use client";

import { createContext, type ReactNode, useContext, useId } from "react";
import { cn } from "./cn";

interface FieldContextValue {
  id: string;
  describedBy: string | undefined;
  invalid: boolean;
  required: boolean;
}

const FieldContext = createContext<FieldContextValue | null>(null);

/** Wiring for a control inside a <Field>: its id, aria-describedby and aria-invalid. */
export function useFieldControl(own: { id?: string; invalid?: boolean }) {
  const field = useContext(FieldContext);
  return {
    id: own.id ?? field?.id,
    "aria-describedby": field?.describedBy,
    "aria-invalid": own.invalid || field?.invalid || undefined,
    required: field?.required || undefined,
  };
}

export interface FieldProps {
  label: ReactNode;
  /** Validation message shown under the control and announced to screen readers. */
  error?: string | null;
  hint?: ReactNode;
  required?: boolean;
  className?: string;
  children: ReactNode;
}

/**
 * A labelled form control with a hint and a field-level error. The control inside
 * (Input, Select, Textarea) picks up its id and aria attributes from the field.
 */
export function Field({ label, error, hint, required = false, className, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <FieldContext.Provider value={{ id, describedBy, invalid: Boolean(error), required }}>
      <div className={cn("space-y-1", className)}>
        <label htmlFor={id} className="block text-sm font-medium text-slate-800">
          {label}
          {required && (
            <span aria-hidden="true" className="ml-0.5 text-red-600">
              *
            </span>
          )}
        </label>
        {children}
        {hint && !error && (
          <p id={hintId} className="text-xs text-slate-500">
            {hint}
          </p>
        )}
        {error && (
          <p id={errorId} role="alert" className="text-xs font-medium text-red-700">
            {error}
          </p>
        )}
      </div>
    </FieldContext.Provider>
  );
}
