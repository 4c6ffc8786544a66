import type { Tool } from "@portcullis/upstream/types";

/**
 * Whether a client of `protocolVersion` is told a tool's `execution` (`taskSupport`).
 * 2025-11-25 defines it together with the tasks the gateway serves that revision; earlier
 * revisions have no such field, and in 2026-07-28 the tasks extension (SEP-2663) lets the
 * server decide which calls become tasks (tasks-extension.ts), so its clients are not told.
 */
export function listsExecution(protocolVersion: string | null): boolean {
  return protocolVersion === "2025-11-25";
}

// The wire lists are built once per agent view; so is their copy without `execution`.
const withoutExecution = new WeakMap<Tool[], Tool[]>();

/** A tools/list answer (built with `execution`) as the client's revision has it. */
export function toolsForRevision(tools: Tool[], protocolVersion: string | null): Tool[] {
  if (listsExecution(protocolVersion)) return tools;
  let out = withoutExecution.get(tools);
  if (out) return out;
  out = tools.some((t) => t.execution !== undefined)
    ? tools.map((t) => {
        if (t.execution === undefined) return t;
        const { execution: _, ...rest } = t;
        return rest;
      })
    : tools;
  withoutExecution.set(tools, out);
  return out;
}

/** The snapshot's `execution` of a tool as the wire carries it (absent when it says nothing). */
export function wireExecution(execution: Record<string, unknown> | null | undefined): Tool["execution"] {
  if (!execution || Object.keys(execution).length === 0) return undefined;
  return execution as Tool["execution"];
}
