"use client";

import { useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useMemo, useRef, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { ExposureCost } from "../agents/exposure-cost";
import { StatusBadge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { SkeletonRows } from "../ui/spinner";
import { Td, Th } from "../ui/table";
import { type PreviewedTool, previewApprovalText } from "./grant-model";

/** Past this many tools, the filter box appears. */
const FILTER_FROM = 50;
const ROW_HEIGHT = 41;

const APPROVAL_BADGE = {
  never: "Allowed",
  always: "Requires approval",
  conditional: "Approval if…",
} as const;

/**
 * "What can this agent see?": the tools the gateway lists for an agent, computed on the
 * server by the gateway's own policy code (grants.preview).
 */
export function AgentPreview({
  agents,
  agentId,
  onAgentChange,
}: {
  agents: Array<{ id: string; name: string; teamName: string; status: string }>;
  agentId: string;
  onAgentChange: (id: string) => void;
}) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  // Scoped to a portal: what the agent's client sees at /mcp/<portal>, under the portal's names.
  const [portalId, setPortalId] = useState("");
  const portals = useQuery(trpc.portals.list.queryOptions());
  const preview = useQuery({
    ...trpc.grants.preview.queryOptions({ agentId, ...(portalId !== "" && { portalId }) }),
    enabled: agentId !== "",
  });
  const agent = agents.find((a) => a.id === agentId);
  const rows = useMemo(() => {
    const text = filter.trim().toLowerCase();
    return (preview.data ?? []).filter((t) => !text || t.exposedName.toLowerCase().includes(text));
  }, [preview.data, filter]);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Agent" className="w-72">
          <Select
            value={agentId}
            onChange={(e) => {
              onAgentChange(e.target.value);
            }}
            placeholder="Choose an agent…"
            options={agents.map((a) => ({ value: a.id, label: `${a.name} (team ${a.teamName})` }))}
          />
        </Field>
        {(portals.data?.length ?? 0) > 0 && (
          <Field label="Through" className="w-56">
            <Select
              value={portalId}
              onChange={(e) => setPortalId(e.target.value)}
              options={[
                { value: "", label: "/mcp (every granted tool)" },
                ...(portals.data ?? []).map((p) => ({ value: p.id, label: `portal ${p.portal.name}` })),
              ]}
            />
          </Field>
        )}
        {preview.data && preview.data.length > FILTER_FROM && (
          <Field label="Filter tools" className="w-64">
            <Input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} />
          </Field>
        )}
      </div>
      {agentId === "" ? (
        <p className="text-sm text-slate-500">Choose an agent to see the tools its MCP client is offered.</p>
      ) : preview.error ? (
        <ErrorState error={preview.error} />
      ) : !preview.data ? (
        <SkeletonRows rows={3} label="Computing what the agent sees…" />
      ) : preview.data.length === 0 ? (
        <EmptyState
          title={agent?.status === "disabled" ? "The agent is disabled: it sees nothing" : "It sees no tools"}
          description="Default deny: grant its team or the agent itself access to a server or tools."
        />
      ) : (
        <div className="space-y-3">
          <p role="status" className="text-sm text-slate-700">
            <strong>{agent?.name}</strong> sees {preview.data.length} tool
            {preview.data.length === 1 ? "" : "s"};{" "}
            {preview.data.filter((t) => t.approval.mode === "always").length} need approval on every call,{" "}
            {preview.data.filter((t) => t.approval.mode === "conditional").length} for some arguments.
          </p>
          <ExposureCost agentId={agentId} />
          <PreviewTable label={`Tools ${agent?.name ?? "the agent"} sees`} rows={rows} />
        </div>
      )}
    </div>
  );
}

/**
 * The previewed tools in one scrolling table, virtualized: only the rows in view (and a
 * few around them) are in the DOM, so 5,000 tools scroll smoothly. `aria-rowcount` and
 * `aria-rowindex` tell screen readers where they are in the whole list.
 */
export function PreviewTable({ label, rows }: { label: string; rows: PreviewedTool[] }) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtualizer.getVirtualItems();
  const before = items[0]?.start ?? 0;
  const after = virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0);
  return (
    <section
      ref={scroller}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard (WCAG 2.1.1)
      tabIndex={0}
      aria-label={`${label} (scrollable)`}
      className="max-h-[32rem] overflow-auto rounded-lg border border-slate-200 bg-white shadow-sm"
    >
      <table aria-label={label} aria-rowcount={rows.length + 1} className="min-w-full text-sm">
        <thead className="sticky top-0 z-10 bg-slate-50">
          <tr aria-rowindex={1}>
            <Th>Tool</Th>
            <Th>Server</Th>
            <Th>Calls</Th>
            <Th>Risk</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {before > 0 && (
            <tr>
              <td colSpan={4} style={{ height: before }} />
            </tr>
          )}
          {items.map((item) => {
            const t = rows[item.index]!;
            return (
              <tr
                key={t.toolId}
                aria-rowindex={item.index + 2}
                className="hover:bg-slate-50/60"
                style={{ height: ROW_HEIGHT }}
              >
                <Td>
                  <span className="font-mono text-xs">{t.exposedName}</span>
                  {t.title && <span className="ml-2 text-xs text-slate-500">{t.title}</span>}
                </Td>
                <Td>{t.serverName}</Td>
                <Td>
                  <span className="flex items-start gap-2">
                    <StatusBadge
                      status={t.approval.mode === "never" ? "allow" : "approve"}
                      label={APPROVAL_BADGE[t.approval.mode]}
                    />
                    {t.approval.mode !== "never" && (
                      <span className="text-xs text-slate-700">{previewApprovalText(t.approval)}</span>
                    )}
                  </span>
                </Td>
                <Td>
                  <StatusBadge status={t.riskClass} />
                </Td>
              </tr>
            );
          })}
          {after > 0 && (
            <tr>
              <td colSpan={4} style={{ height: after }} />
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
