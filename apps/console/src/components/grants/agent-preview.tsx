"use client";

import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { SkeletonRows } from "../ui/spinner";
import { Pagination, Table, TBody, Td, THead, Th, Tr } from "../ui/table";
import { previewApprovalText } from "./grant-model";

const PAGE = 50;

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
  const [page, setPage] = useState(0);
  const preview = useQuery({ ...trpc.grants.preview.queryOptions({ agentId }), enabled: agentId !== "" });
  const agent = agents.find((a) => a.id === agentId);
  const rows = useMemo(() => {
    const text = filter.trim().toLowerCase();
    return (preview.data ?? []).filter((t) => !text || t.exposedName.toLowerCase().includes(text));
  }, [preview.data, filter]);
  const shown = rows.slice(page * PAGE, (page + 1) * PAGE);

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Agent" className="w-72">
          <Select
            value={agentId}
            onChange={(e) => {
              onAgentChange(e.target.value);
              setPage(0);
            }}
            placeholder="Choose an agent…"
            options={agents.map((a) => ({ value: a.id, label: `${a.name} (team ${a.teamName})` }))}
          />
        </Field>
        {preview.data && preview.data.length > PAGE && (
          <Field label="Filter tools" className="w-64">
            <Input
              type="search"
              value={filter}
              onChange={(e) => {
                setFilter(e.target.value);
                setPage(0);
              }}
            />
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
          <Table label={`Tools ${agent?.name ?? "the agent"} sees`}>
            <THead>
              <tr>
                <Th>Tool</Th>
                <Th>Server</Th>
                <Th>Calls</Th>
                <Th>Risk</Th>
              </tr>
            </THead>
            <TBody>
              {shown.map((t) => (
                <Tr key={t.toolId}>
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
                </Tr>
              ))}
            </TBody>
          </Table>
          <Pagination
            page={page + 1}
            hasPrevious={page > 0}
            hasNext={(page + 1) * PAGE < rows.length}
            onPrevious={() => setPage((p) => p - 1)}
            onNext={() => setPage((p) => p + 1)}
          />
        </div>
      )}
    </div>
  );
}
