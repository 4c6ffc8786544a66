"use client";

import { useQuery } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { StatusBadge } from "../../ui/badge";
import { Button } from "../../ui/button";
import { EmptyState } from "../../ui/empty-state";
import { ErrorState } from "../../ui/error-state";
import { SkeletonRows } from "../../ui/spinner";
import { Pagination, Table, TBody, Td, THead, Th, Tr } from "../../ui/table";
import { AccessFilters } from "./access-filters";
import { ACCESS_LABELS, compactFilter, grantText, type PrincipalRef, type ToolFilter } from "./access-model";
import { BulkChange } from "./bulk-change";
import { EffectCounts } from "./effect-counts";

const TOOL_PAGE = 50;

/** One principal's access, a row per server; a row opens the server's tools with the grant deciding each. */
export function PrincipalAccessView({
  principal,
  servers,
  canWrite,
}: {
  principal: PrincipalRef;
  servers: Array<{ id: string; name: string }>;
  canWrite: boolean;
}) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<ToolFilter>({});
  const [open, setOpen] = useState<string | null>(null);
  const compact = compactFilter(filter);
  const access = useQuery({
    ...trpc.grants.access.byServer.queryOptions({ principal, filter: compact }),
    placeholderData: (previous) => previous,
  });
  const name = access.data
    ? `${kindLabel(access.data.principal.type)} ${access.data.principal.name}`
    : `${kindLabel(principal.type)} …`;
  return (
    <div className="space-y-4">
      {access.data && (
        <p className="text-sm text-slate-700">
          Access of <strong>{name}</strong>
          {access.data.principal.team && (
            <> (its team {access.data.principal.team.name}'s grants apply too)</>
          )}
          {access.data.principal.type === "user" && (
            <>
              {" "}
              (their own grants and{" "}
              {access.data.principal.teams.length === 0
                ? "no team's: they belong to none"
                : `those of ${access.data.principal.teams.map((t) => t.name).join(", ")}`}
              )
            </>
          )}
          {access.data.principal.status === "disabled" && " — disabled: the gateway denies it everything"}
        </p>
      )}
      <AccessFilters filter={filter} onChange={setFilter} servers={servers} />
      {canWrite && access.data && <BulkChange principal={principal} principalName={name} filter={compact} />}
      {access.error ? (
        <ErrorState error={access.error} />
      ) : !access.data ? (
        <SkeletonRows rows={5} label="Loading access…" />
      ) : access.data.rows.length === 0 ? (
        <EmptyState title="No tool matches" description="Change the filters to see more servers." />
      ) : (
        <Table label={`Access of ${name} by server`}>
          <THead>
            <tr>
              <Th>Server</Th>
              <Th>Tools</Th>
              <Th>Grants</Th>
            </tr>
          </THead>
          <TBody>
            {access.data.rows.map((row) => (
              <Fragment key={row.server.id}>
                <Tr>
                  <Td>
                    <Button
                      variant="ghost"
                      size="sm"
                      className="-ml-2"
                      aria-expanded={open === row.server.id}
                      onClick={() => setOpen(open === row.server.id ? null : row.server.id)}
                    >
                      <span aria-hidden="true">{open === row.server.id ? "▾" : "▸"}</span>
                      <span className="ml-1 font-medium">{row.server.name}</span>
                    </Button>
                    {row.server.status === "disabled" && <StatusBadge status="disabled" />}
                  </Td>
                  <Td>
                    <EffectCounts counts={row.counts} />
                  </Td>
                  <Td className="font-mono text-xs text-slate-700">
                    {row.grants.length === 0 ? "—" : row.grants.map(grantText).join(", ")}
                  </Td>
                </Tr>
                {open === row.server.id && (
                  <tr>
                    <td colSpan={3} className="bg-slate-50 px-4 py-3">
                      <ToolRows principal={principal} filter={{ ...compact, serverId: row.server.id }} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </TBody>
        </Table>
      )}
    </div>
  );
}

/** A page of one server's tools with the principal's access to each and the grant that decides it. */
function ToolRows({ principal, filter }: { principal: PrincipalRef; filter: ToolFilter }) {
  const trpc = useTRPC();
  const [offset, setOffset] = useState(0);
  const tools = useQuery({
    ...trpc.grants.access.byTool.queryOptions({ principal, filter, offset, limit: TOOL_PAGE }),
    placeholderData: (previous) => previous,
  });
  if (tools.error) return <ErrorState error={tools.error} />;
  if (!tools.data) return <SkeletonRows rows={3} label="Loading tools…" />;
  return (
    <div className="space-y-2">
      <Table label="Tools and their access">
        <THead>
          <tr>
            <Th>Tool</Th>
            <Th>Risk</Th>
            <Th>Access</Th>
            <Th>Decided by</Th>
          </tr>
        </THead>
        <TBody>
          {tools.data.items.map((t) => (
            <Tr key={t.toolId}>
              <Td className="font-mono text-xs">
                {t.exposedName} {t.status !== "active" && <StatusBadge status={t.status} />}
              </Td>
              <Td>
                <StatusBadge status={t.riskClass} />
              </Td>
              <Td>
                <StatusBadge
                  status={t.effect === "none" ? "deny" : t.effect}
                  label={ACCESS_LABELS[t.effect]}
                />
              </Td>
              <Td className="font-mono text-xs text-slate-700">
                {t.grant ? grantText(t.grant) : "default deny"}
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
      <Pagination
        range={`${offset + 1}–${Math.min(offset + TOOL_PAGE, tools.data.total)} of ${tools.data.total}`}
        hasPrevious={offset > 0}
        hasNext={offset + TOOL_PAGE < tools.data.total}
        onPrevious={() => setOffset(Math.max(0, offset - TOOL_PAGE))}
        onNext={() => setOffset(offset + TOOL_PAGE)}
        loading={tools.isFetching}
      />
    </div>
  );
}

/** People are `user` principals in the API; the page calls them persons. */
function kindLabel(type: PrincipalRef["type"]): string {
  return type === "user" ? "person" : type;
}
