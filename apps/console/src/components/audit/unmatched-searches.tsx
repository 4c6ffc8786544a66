"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { count, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Card } from "../ui/card";
import { ErrorState } from "../ui/error-state";
import { Skeleton } from "../ui/spinner";
import { Table, TBody, Td, THead, Th, Tr } from "../ui/table";

/**
 * `search_tools` queries that found nothing in the period: tools agents look for and are
 * not granted, or whose descriptions do not say what they do.
 */
export function UnmatchedSearches({ period }: { period: { from: Date; to: Date } }) {
  const trpc = useTRPC();
  const searches = useQuery({
    ...trpc.audit.unmatchedSearches.queryOptions(period),
    placeholderData: keepPreviousData,
  });
  return (
    <Card title="Tool searches that found nothing">
      {searches.error ? (
        <ErrorState error={searches.error} />
      ) : !searches.data ? (
        <Skeleton className="h-24 w-full" />
      ) : searches.data.length === 0 ? (
        <p className="py-4 text-center text-sm text-slate-500">
          Every tool search in this period found a tool.
        </p>
      ) : (
        <Table label="Tool searches that found nothing">
          <THead>
            <tr>
              <Th>Query</Th>
              <Th className="text-right">Times</Th>
              <Th>Last</Th>
            </tr>
          </THead>
          <TBody>
            {searches.data.map((s) => (
              <Tr key={s.query}>
                <Td className="font-mono text-xs">{s.query}</Td>
                <Td className="text-right tabular-nums">{count(s.count)}</Td>
                <Td className="text-slate-600">
                  {timeAgo(s.lastAt)}
                  {s.agentName ? ` by ${s.agentName}` : ""}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}
