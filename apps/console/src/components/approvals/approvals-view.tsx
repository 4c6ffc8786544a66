"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { EmptyState } from "../ui/empty-state";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { ApprovalCard } from "./approval-card";
import { DecidedList } from "./decided-list";
import { FocusedApproval } from "./focused-approval";
import { WebhooksCard } from "./webhooks-card";

/** Poll the queue every second: a new request shows up well within two seconds, no reload. */
const LIVE_MS = 1_000;

type Scope = "decidable" | "all";
const SCOPES: Record<Scope, string> = { decidable: "Requests I can decide", all: "All requests" };

/** `focusId`: a request a link pointed at (`/approvals?id=…`), shown first and highlighted. */
export function ApprovalsView({ focusId }: { focusId?: string }) {
  const trpc = useTRPC();
  const canConfigure = useCan("teams.write");
  const canDecide = useCan("approvals.decide");
  // Approvers decide their own teams' requests only: by default they see just those.
  // Owners and admins decide every team's, so the filter would hide little but their own.
  const decidesEveryTeam = useCan("tools.write");
  const [scope, setScope] = useState<Scope>(canDecide && !decidesEveryTeam ? "decidable" : "all");
  const pending = useQuery(
    trpc.approvals.list.queryOptions(
      { status: "pending", scope },
      { refetchInterval: LIVE_MS, refetchIntervalInBackground: true, staleTime: 0 },
    ),
  );
  // The focused request has its own place above the queue.
  const items = pending.data?.items.filter((item) => item.id !== focusId);
  const clockOffsetMs = pending.data ? pending.data.serverTime.getTime() - pending.dataUpdatedAt : 0;

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Tool calls held until a person decides. The agent waits; approve to run the call with exactly these arguments, or deny it with a reason."
      />
      {focusId && (
        <section aria-labelledby="focused-heading" className="mb-8 space-y-3">
          <h2 id="focused-heading" className="text-sm font-semibold text-slate-900">
            Linked request
          </h2>
          <FocusedApproval id={focusId} clockOffsetMs={clockOffsetMs} />
        </section>
      )}
      <section aria-labelledby="pending-heading" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="pending-heading" className="text-sm font-semibold text-slate-900">
            Waiting for a decision{items ? ` (${items.length})` : ""}
          </h2>
          {canDecide && (
            <fieldset className="inline-flex rounded-md shadow-sm">
              <legend className="sr-only">Show</legend>
              {(Object.keys(SCOPES) as Scope[]).map((key, i) => (
                <Button
                  key={key}
                  variant={key === scope ? "primary" : "secondary"}
                  size="sm"
                  aria-pressed={key === scope}
                  className={cn(i > 0 && "-ml-px", "rounded-none first:rounded-l-md last:rounded-r-md")}
                  onClick={() => setScope(key)}
                >
                  {SCOPES[key]}
                </Button>
              ))}
            </fieldset>
          )}
        </div>
        {pending.error ? (
          <ErrorState error={pending.error} />
        ) : items === undefined ? (
          <SkeletonRows label="Loading the approval queue…" />
        ) : items.length === 0 ? (
          <EmptyState
            title={scope === "decidable" ? "No calls are waiting for you" : "No calls are waiting"}
            description={
              scope === "decidable"
                ? "Requests of the teams you approve for appear here within a second. Other teams' requests are under “All requests”."
                : "When an agent calls a tool that needs approval, it appears here within a second."
            }
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
