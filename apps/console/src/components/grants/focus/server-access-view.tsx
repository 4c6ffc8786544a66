"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useDebounced } from "../../servers/use-debounced";
import { Badge } from "../../ui/badge";
import { Button } from "../../ui/button";
import { EmptyState } from "../../ui/empty-state";
import { ErrorState } from "../../ui/error-state";
import { Input } from "../../ui/input";
import { SkeletonRows } from "../../ui/spinner";
import { Pagination, Table, TBody, Td, THead, Th, Tr } from "../../ui/table";
import { AccessFilters } from "./access-filters";
import { compactFilter, grantText, type PrincipalRef, type ToolFilter } from "./access-model";
import { EffectCounts } from "./effect-counts";

const PAGE = 50;

/** Every team's and agent's access to one server, a row each, searchable by name. */
export function ServerAccessView({
  serverId,
  onFocusPrincipal,
}: {
  serverId: string;
  onFocusPrincipal: (ref: PrincipalRef) => void;
}) {
  const trpc = useTRPC();
  const [filter, setFilter] = useState<ToolFilter>({});
  const [search, setSearch] = useState("");
  const [offset, setOffset] = useState(0);
  const debounced = useDebounced(search.trim());
  const { serverId: _, ...rest } = compactFilter(filter);
  const access = useQuery({
    ...trpc.grants.access.byPrincipal.queryOptions({
      serverId,
      filter: rest,
      search: debounced || undefined,
      offset,
      limit: PAGE,
    }),
    placeholderData: (previous) => previous,
  });
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-6">
        <div className="w-72">
          <Input
            type="search"
            aria-label="Search teams and agents"
            placeholder="Search teams and agents…"
            value={search}
            onChange={(e) => {
              setSearch(e.target.value);
              setOffset(0);
            }}
          />
        </div>
        <AccessFilters
          filter={filter}
          onChange={(next) => {
            setFilter(next);
            setOffset(0);
          }}
        />
      </div>
      {access.error ? (
        <ErrorState error={access.error} />
      ) : !access.data ? (
        <SkeletonRows rows={5} label="Loading access…" />
      ) : access.data.items.length === 0 ? (
        <EmptyState
          title="Nobody matches"
          description="No team or agent has access matching these filters."
        />
      ) : (
        <>
          <Table label={`Access to ${access.data.server.name} by team and agent`}>
            <THead>
              <tr>
                <Th>Team or agent</Th>
                <Th>Tools</Th>
                <Th>Grants</Th>
              </tr>
            </THead>
            <TBody>
              {access.data.items.map((row) => (
                <Tr key={`${row.principal.type}:${row.principal.id}`}>
                  <Td>
                    <Button
                      variant="ghost"
                      size="sm"
                      className="-ml-2 font-medium"
                      onClick={() => onFocusPrincipal({ type: row.principal.type, id: row.principal.id })}
                    >
                      {row.principal.name}
                    </Button>
                    <Badge className="ml-1">
                      {row.principal.type === "user" ? "person" : row.principal.type}
                    </Badge>
                    {row.principal.team && (
                      <span className="ml-2 text-xs text-slate-600">team {row.principal.team.name}</span>
                    )}
                  </Td>
                  <Td>
                    <EffectCounts counts={row.counts} />
                  </Td>
                  <Td className="font-mono text-xs text-slate-700">
                    {row.grants.length === 0 ? "—" : row.grants.map(grantText).join(", ")}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          <Pagination
            range={`${offset + 1}–${Math.min(offset + PAGE, access.data.total)} of ${access.data.total}`}
            hasPrevious={offset > 0}
            hasNext={offset + PAGE < access.data.total}
            onPrevious={() => setOffset(Math.max(0, offset - PAGE))}
            onNext={() => setOffset(offset + PAGE)}
            loading={access.isFetching}
          />
        </>
      )}
    </div>
  );
}
