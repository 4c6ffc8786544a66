"use client";

import { useQuery } from "@tanstack/react-query";
import { count } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Spinner } from "../ui/spinner";

/**
 * The organization's audit hash chain, verified on the server: intact, or broken at a
 * named event (an edited, deleted or reordered row). `onOpenEvent` opens the broken one.
 */
export function ChainStatus({ onOpenEvent }: { onOpenEvent: (id: string) => void }) {
  const trpc = useTRPC();
  const chain = useQuery({ ...trpc.audit.verifyChain.queryOptions(), staleTime: 60_000 });

  if (chain.isPending) {
    return (
      <span className="inline-flex items-center gap-2 text-sm text-slate-600" data-testid="chain-status">
        <Spinner /> Verifying the audit chain…
      </span>
    );
  }
  if (chain.error) {
    return (
      <Badge tone="yellow" className="gap-1">
        <span data-testid="chain-status">Chain not verified: {chain.error.message}</span>
      </Badge>
    );
  }
  const { ok, checked, firstBrokenId } = chain.data;
  return (
    <span className="inline-flex items-center gap-2" data-testid="chain-status">
      {ok ? (
        <Badge tone="green">
          <span aria-hidden="true">✓</span>&nbsp;Chain intact · {count(checked)} events
        </Badge>
      ) : (
        <Badge tone="red">
          <span aria-hidden="true">✗</span>&nbsp;Chain broken
        </Badge>
      )}
      {!ok && firstBrokenId && (
        <Button variant="ghost" size="sm" onClick={() => onOpenEvent(firstBrokenId)}>
          at {firstBrokenId}
        </Button>
      )}
      <Button
        variant="ghost"
        size="sm"
        onClick={() => void chain.refetch()}
        loading={chain.isFetching}
        aria-label="Verify the audit chain again"
      >
        Re-verify
      </Button>
    </span>
  );
}
