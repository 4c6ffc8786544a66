"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../ui/badge";
import { ErrorState } from "../ui/error-state";
import { SkeletonRows } from "../ui/spinner";
import { Table, TBody, Td, THead, Th, Tr } from "../ui/table";

/**
 * The resource and prompt half of "what can this agent see?": the rules the gateway
 * applies to the agent (itemGrants.preview, computed by the gateway's policy code). The
 * resources themselves live on the upstreams; a rule says which of them reach the agent.
 */
export function AgentItemPreview({ agentId, agentName }: { agentId: string; agentName: string }) {
  const trpc = useTRPC();
  const preview = useQuery(trpc.itemGrants.preview.queryOptions({ agentId }));
  if (preview.error) return <ErrorState error={preview.error} />;
  if (!preview.data) return <SkeletonRows rows={2} label="Computing resource and prompt rules…" />;
  if (preview.data.length === 0)
    return (
      <p role="status" className="text-sm text-slate-600">
        <strong>{agentName}</strong> is served no resources and no prompts (default deny: tool grants do not
        expose them).
      </p>
    );
  return (
    <Table label={`Resources and prompts ${agentName} is served`}>
      <THead>
        <tr>
          <Th>Server</Th>
          <Th>Kind</Th>
          <Th>Pattern</Th>
          <Th>Rule</Th>
        </tr>
      </THead>
      <TBody>
        {preview.data.map((r) => (
          <Tr key={`${r.serverName} ${r.kind} ${r.pattern} ${r.via} ${r.effect}`}>
            <Td>{r.serverName}</Td>
            <Td>{r.kind === "resource" ? "resources" : "prompts"}</Td>
            <Td>
              <span className="font-mono text-xs">{r.pattern}</span>
            </Td>
            <Td>
              <span className="flex items-center gap-2">
                <StatusBadge status={r.effect} label={r.effect === "allow" ? "Allowed" : "Denied"} />
                <span className="text-xs text-slate-500">
                  {r.via === "agent" ? "agent's own" : "team's"} rule
                </span>
                {r.reason && <span className="text-xs text-slate-600">“{r.reason}”</span>}
              </span>
            </Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}
