"use client";

import {
  type AuditFilterInput,
  auditFilterFromSearchParams,
  auditFilterToSearchParams,
} from "@portcullis/api/routers/audit/filter-input";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { Table, TBody, Td, THead, Th, Tr } from "../ui/table";
import { AuditEventDrawer } from "./audit-event-drawer";
import { AuditFilters } from "./audit-filters";
import { ChainStatus } from "./chain-status";
import { DecisionBadge } from "./decision-badge";
import { ExportButtons } from "./export-buttons";
import { LastCheckpoint } from "./integrity-banner";
import { latency } from "./time-range";

const PAGE_SIZE = 50;

/** Reads the applied filter from the URL; a hand-edited URL that does not parse shows everything. */
function filterFromUrl(params: URLSearchParams): { filter: AuditFilterInput; invalid: boolean } {
  try {
    return { filter: auditFilterFromSearchParams(params), invalid: false };
  } catch {
    return { filter: {}, invalid: true };
  }
}

/**
 * The audit log: search with filters (kept in the URL), results newest first with "Load
 * more" (keyset pages, so a long scroll stays fast and never repeats a row), an event's
 * full record in a drawer, exports of the current filter, and the chain's integrity.
 */
export function AuditSearchView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const query = params.toString();
  const { filter, invalid } = useMemo(() => filterFromUrl(new URLSearchParams(query)), [query]);
  const [openId, setOpenId] = useState<string | null>(params.get("event"));

  const results = useInfiniteQuery({
    ...trpc.audit.search.infiniteQueryOptions(
      { ...filter, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    placeholderData: keepPreviousData,
  });
  const rows = results.data?.pages.flatMap((p) => p.items);
  const filtered = Object.keys(filter).length > 0;

  const apply = (next: AuditFilterInput) => {
    const search = auditFilterToSearchParams(next).toString();
    router.replace(search ? `${pathname}?${search}` : pathname, { scroll: false });
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every MCP request the gateways handled: who called which tool with which arguments, what was decided, and how it went."
        actions={<ExportButtons filter={filter} />}
      />
      <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
        <ChainStatus onOpenEvent={setOpenId} />
        <LastCheckpoint />
        {invalid && (
          <p role="alert" className="text-sm text-amber-800">
            The filters in this link are not valid; showing every event.
          </p>
        )}
      </div>
      <AuditFilters value={filter} onApply={apply} />
      <div className="mt-4">
        {results.error ? (
          <ErrorState error={results.error} />
        ) : !rows ? (
          <SkeletonRows rows={6} label="Loading audit events…" />
        ) : rows.length === 0 ? (
          <EmptyState
            title={filtered ? "No event matches these filters" : "No audit events yet"}
            description={
              filtered
                ? "Widen the time range or remove a filter."
                : "Events appear here a moment after agents call the gateway."
            }
          />
        ) : (
          <div className="space-y-3">
            <Table label="Audit events" className={results.isPlaceholderData ? "opacity-60" : undefined}>
              <THead>
                <tr>
                  <Th>When</Th>
                  <Th>Agent</Th>
                  <Th>Tool</Th>
                  <Th>Decision</Th>
                  <Th className="text-right">Latency</Th>
                  <Th>Reason / result</Th>
                </tr>
              </THead>
              <TBody>
                {rows.map((e) => (
                  <Tr key={e.id} className="cursor-pointer">
                    <Td className="whitespace-nowrap">
                      <button
                        type="button"
                        onClick={() => setOpenId(e.id)}
                        className="text-left text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
                        title={dateTime(e.occurredAt)}
                      >
                        {/* The visible text starts the accessible name (WCAG 2.5.3, label in name). */}
                        {timeAgo(e.occurredAt)}
                        <span className="sr-only">
                          : Open event {e.id} from {dateTime(e.occurredAt)}
                        </span>
                      </button>
                    </Td>
                    <Td>{e.agentName ?? e.agentId ?? <span className="text-slate-400">—</span>}</Td>
                    <Td>
                      <span className="font-mono text-xs">{e.toolName ?? e.method}</span>
                      {e.detectors.map((d) => (
                        <Badge key={d} tone="purple" className="ml-1.5">
                          DLP {d}
                        </Badge>
                      ))}
                    </Td>
                    <Td>
                      <DecisionBadge decision={e.decision} isError={e.isError} />
                    </Td>
                    <Td className="text-right whitespace-nowrap tabular-nums">{latency(e.latencyMs)}</Td>
                    <Td className="max-w-md truncate text-slate-600">
                      <span title={e.reason ?? e.resultPreview ?? undefined}>
                        {e.reason ?? e.resultPreview ?? ""}
                      </span>
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
            <div className="flex items-center justify-between text-sm text-slate-600">
              <span>
                {rows.length} event{rows.length === 1 ? "" : "s"} shown
                {results.hasNextPage ? ", more older ones" : ""}
              </span>
              {results.hasNextPage && (
                <Button
                  variant="secondary"
                  onClick={() => void results.fetchNextPage()}
                  loading={results.isFetchingNextPage}
                >
                  Load more
                </Button>
              )}
            </div>
          </div>
        )}
      </div>
      <AuditEventDrawer id={openId} onClose={() => setOpenId(null)} />
    </>
  );
}
