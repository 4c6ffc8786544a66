"use client";

import type { InputHTMLAttributes, Ref, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";
import { cn } from "./cn";
import { useFieldControl } from "./field";

const CONTROL = cn(
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300",
  "placeholder:text-slate-400 focus:outline-none focus:ring-2 focus:ring-inset focus:ring-indigo-600",
  "disabled:cursor-not-allowed disabled:bg-slate-50 disabled:text-slate-500",
  "aria-[invalid=true]:ring-red-500 aria-[invalid=true]:focus:ring-red-600",
);

export interface InputProps extends InputHTMLAttributes<HTMLInputElement> {
  invalid?: boolean;
  ref?: Ref<HTMLInputElement>;
}

export function Input({ className, invalid, id, ...rest }: InputProps) {
  const control = useFieldControl({ id, invalid });
  return <input className={cn(CONTROL, "h-9", className)} {...control} {...rest} />;
}

export interface TextareaProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  invalid?: boolean;
  ref?: Ref<HTMLTextAreaElement>;
}

export function Textarea({ className, invalid, id, ...rest }: TextareaProps) {
  const control = useFieldControl({ id, invalid });
  return <textarea className={cn(CONTROL, "min-h-20", className)} {...control} {...rest} />;
}

export interface SelectProps extends SelectHTMLAttributes<HTMLSelectElement> {
  invalid?: boolean;
  /** Options as value/label pairs; or pass <option> children. */
  options?: ReadonlyArray<{ value: string; label: string; disabled?: boolean }>;
  /** A first, empty option ("Choose a team…"). */
  placeholder?: string;
  ref?: Ref<HTMLSelectElement>;
}

export function Select({ className, invalid, id, options, placeholder, children, ...rest }: SelectProps) {
  const control = useFieldControl({ id, invalid });
  return (
    <select className={cn(CONTROL, "h-9 pr-8", className)} {...control} {...rest}>
      {placeholder !== undefined && <option value="">{placeholder}</option>}
      {options?.map((o) => (
        <option key={o.value} value={o.value} disabled={o.disabled}>
          {o.label}
        </option>
      ))}
      {children}
    </select>
  );
}
