"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { ApprovalCard } from "./approval-card";
import { DecidedList } from "./decided-list";
import { WebhooksCard } from "./webhooks-card";

/** Poll the queue every second: a new request shows up well within two seconds, no reload. */
const LIVE_MS = 1_000;

export function ApprovalsView() {
  const trpc = useTRPC();
  const canConfigure = useCan("teams.write");
  const pending = useQuery(
    trpc.approvals.list.queryOptions(
      { status: "pending" },
      { refetchInterval: LIVE_MS, refetchIntervalInBackground: true, staleTime: 0 },
    ),
  );
  const items = pending.data?.items;
  const clockOffsetMs = pending.data ? pending.data.serverTime.getTime() - pending.dataUpdatedAt : 0;

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Tool calls held until a person decides. The agent waits; approve to run the call with exactly these arguments, or deny it with a reason."
      />
      <section aria-labelledby="pending-heading" className="space-y-3">
        <h2 id="pending-heading" className="text-sm font-semibold text-slate-900">
          Waiting for a decision{items ? ` (${items.length})` : ""}
        </h2>
        {pending.error ? (
          <ErrorState error={pending.error} />
        ) : items === undefined ? (
          <SkeletonRows label="Loading the approval queue…" />
        ) : items.length === 0 ? (
          <EmptyState
            title="No calls are waiting"
            description="When an agent calls a tool that needs approval, it appears here within a second."
          />
        ) : (
          <div aria-live="polite" className="space-y-3">
            {items.map((item) => (
              <ApprovalCard key={item.id} item={item} clockOffsetMs={clockOffsetMs} />
            ))}
          </div>
        )}
      </section>
      <section aria-labelledby="decided-heading" className="mt-8 space-y-3">
        <h2 id="decided-heading" className="text-sm font-semibold text-slate-900">
          Recently decided
        </h2>
        <DecidedList />
      </section>
      {canConfigure && <WebhooksCard />}
    </>
  );
}
