import type { ReactNode } from "react";
import { riskyPaths } from "./risky-values";

/**
 * The arguments of a held call, laid out as indented JSON with the risky values marked
 * (a red background and a "risky" label for screen readers), so an approver reads exactly
 * what will be sent and sees first what matters.
 */
export function ArgumentsView({ value, highlights }: { value: unknown; highlights: readonly string[] }) {
  const risky = riskyPaths(value, highlights);
  return (
    <pre
      data-testid="approval-arguments"
      className="max-h-80 overflow-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs leading-5 text-slate-100"
    >
      {render(value, [], 0, risky)}
    </pre>
  );
}

function render(value: unknown, path: string[], depth: number, risky: Set<string>): ReactNode {
  const pad = "  ".repeat(depth + 1);
  const closePad = "  ".repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return (
      <>
        {"[\n"}
        {value.map((v, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: array positions are the identity here
          <span key={i}>
            {pad}
            {render(v, [...path, String(i)], depth + 1, risky)}
            {i < value.length - 1 ? ",\n" : "\n"}
          </span>
        ))}
        {`${closePad}]`}
      </>
    );
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) return "{}";
    return (
      <>
        {"{\n"}
        {entries.map(([k, v], i) => (
          <span key={k}>
            {pad}
            <span className="text-sky-300">{JSON.stringify(k)}</span>
            {": "}
            {render(v, [...path, k], depth + 1, risky)}
            {i < entries.length - 1 ? ",\n" : "\n"}
          </span>
        ))}
        {`${closePad}}`}
      </>
    );
  }
  const text = JSON.stringify(value) ?? "null";
  if (risky.has(path.join("."))) {
    return (
      <mark
        data-risky={path.join(".")}
        className="rounded bg-red-500/30 px-0.5 font-semibold text-red-100 ring-1 ring-red-400"
      >
        {text}
        <span className="sr-only"> (risky)</span>
      </mark>
    );
  }
  return <span className={typeof value === "string" ? "text-emerald-300" : "text-amber-200"}>{text}</span>;
}
