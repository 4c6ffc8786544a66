"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { count } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Spinner } from "../ui/spinner";

/**
 * The organization's audit hash chain, verified on the server: intact, or broken at a
 * named event (an edited, deleted or reordered row), which `onOpenEvent` opens. The page
 * checks the newest events; "Verify all" reads the whole chain, which takes longer.
 */
export function ChainStatus({ onOpenEvent }: { onOpenEvent: (id: string) => void }) {
  const trpc = useTRPC();
  const [all, setAll] = useState(false);
  const chain = useQuery({
    ...trpc.audit.verifyChain.queryOptions(all ? { all: true } : undefined),
    staleTime: 60_000,
  });

  if (chain.isPending) {
    return (
      <span className="inline-flex items-center gap-2 text-sm text-slate-600" data-testid="chain-status">
        <Spinner /> {all ? "Verifying the whole audit chain…" : "Verifying the audit chain…"}
      </span>
    );
  }
  if (chain.error) {
    return (
      <Badge tone="yellow">
        <span data-testid="chain-status">Chain not verified: {chain.error.message}</span>
      </Badge>
    );
  }
  const { ok, checked, complete, firstBrokenId } = chain.data;
  return (
    <span className="inline-flex flex-wrap items-center gap-2" data-testid="chain-status">
      {ok ? (
        <Badge tone="green">
          <span aria-hidden="true">✓</span>&nbsp;Chain intact ·{" "}
          {complete ? `${count(checked)} events` : `newest ${count(checked)} events checked`}
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
      {complete ? (
        <Button variant="ghost" size="sm" onClick={() => void chain.refetch()} loading={chain.isFetching}>
          Re-verify<span className="sr-only"> the audit chain</span>
        </Button>
      ) : (
        <Button variant="ghost" size="sm" onClick={() => setAll(true)}>
          Verify all
        </Button>
      )}
    </span>
  );
}
