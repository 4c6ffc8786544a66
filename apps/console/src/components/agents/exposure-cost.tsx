"use client";

import { useQuery } from "@tanstack/react-query";
import { count } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { cn } from "../ui/cn";
import { ErrorState } from "../ui/error-state";
import { Skeleton } from "../ui/spinner";

export const EXPOSURE_LABEL = {
  full: "Full: every tool schema in tools/list",
  search: "Search: search_tools + call_tool",
  code: "Code: search_tools + execute (sandboxed JavaScript)",
} as const;

/**
 * What `tools/list` costs this agent's context in each exposure mode, counted with a real
 * tokenizer on the server (agents.context), the mode in force marked.
 */
export function ExposureCost({ agentId }: { agentId: string }) {
  const trpc = useTRPC();
  const context = useQuery(trpc.agents.context.queryOptions({ id: agentId }));
  if (context.error) return <ErrorState error={context.error} />;
  const c = context.data;
  return (
    <section aria-label="Context cost per exposure mode" className="space-y-2">
      <p className="text-sm text-slate-700">
        Tokens its MCP client puts in the model's context with <code>tools/list</code>
        {c ? ` (${count(c.toolCount)} granted tools)` : ""}:
      </p>
      <ul className="grid grid-cols-3 gap-3">
        {(["full", "search", "code"] as const).map((mode) => (
          <li
            key={mode}
            className={cn(
              "rounded-lg border bg-white p-3 shadow-sm",
              c?.effective === mode ? "border-indigo-400 ring-1 ring-indigo-300" : "border-slate-200",
            )}
          >
            <p className="text-sm text-slate-600">
              {mode}
              {c?.effective === mode && <span className="ml-1 font-medium text-indigo-700">(in force)</span>}
            </p>
            {c ? (
              <p className="mt-1 text-xl font-semibold tabular-nums">{count(c.tokens[mode])} tokens</p>
            ) : (
              <Skeleton className="mt-1 h-7 w-24" />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
