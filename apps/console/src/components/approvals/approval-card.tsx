"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Badge, statusTone } from "../ui/badge";
import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { errorMessage } from "../ui/error-state";
import { Textarea } from "../ui/input";
import { useToast } from "../ui/toast";
import { ArgumentsView } from "./arguments-view";
import { Countdown } from "./countdown";
import type { ApprovalItem } from "./types";

/**
 * One held call: who asks and for whom, which tool and why it needs a person, the arguments
 * with risky values marked, the time left; approve or deny with one click each (the comment
 * is optional; on a denial the agent is told it). Who may not decide it is told why.
 * `focused`: the request a link pointed at (`/approvals?id=…`), highlighted and scrolled to.
 */
export function ApprovalCard({
  item,
  clockOffsetMs,
  focused = false,
}: {
  item: ApprovalItem;
  clockOffsetMs: number;
  focused?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const commentId = useId();
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (focused) ref.current?.scrollIntoView({ block: "center" });
  }, [focused]);
  const [comment, setComment] = useState("");
  const settled = async (verb: string) => {
    toast.success(`${verb} ${item.exposedName} for ${item.agent?.name ?? item.caller}`);
    await queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
  };
  const failed = async (error: unknown) => {
    // Someone else was faster, or it expired: say so, and show the queue as it is now.
    toast.error(errorMessage(error));
    await queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() });
  };
  const approve = useMutation(
    trpc.approvals.approve.mutationOptions({ onSuccess: () => settled("Approved"), onError: failed }),
  );
  const deny = useMutation(
    trpc.approvals.deny.mutationOptions({ onSuccess: () => settled("Denied"), onError: failed }),
  );
  const busy = approve.isPending || deny.isPending;
  const headingId = `${commentId}-heading`;

  return (
    <article
      ref={ref}
      aria-labelledby={headingId}
      aria-current={focused ? "true" : undefined}
      data-testid="approval-request"
      data-approval-id={item.id}
      className={cn(
        "rounded-lg border bg-white shadow-sm",
        focused ? "border-indigo-400 ring-2 ring-indigo-200" : "border-slate-200",
      )}
    >
      <header className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-4 py-3">
        <div className="min-w-0">
          <h2 id={headingId} className="text-sm font-semibold text-slate-900">
            <span className="font-mono">{item.exposedName}</span>{" "}
            <span className="font-normal text-slate-600">requested by</span>{" "}
            {/* A person's own call: "person ann@example.com via Claude Code". */}
            {item.agent?.name ?? item.caller}
          </h2>
          <p className="mt-0.5 text-xs text-slate-600">
            {item.teams.length > 0 && <>team {item.teams.map((t) => t.name).join(", ")} · </>}
            {item.agent && <>on behalf of {item.requester ? item.requester.email : "no one named"} · </>}
            asked {timeAgo(item.requestedAt)}
          </p>
        </div>
        <div className="flex items-center gap-2 text-xs">
          <Badge tone={statusTone(item.riskClass)}>{item.riskClass}</Badge>
          <Countdown expiresAt={item.expiresAt} clockOffsetMs={clockOffsetMs} />
        </div>
      </header>
      <div className="space-y-3 px-4 py-3">
        {item.reason && (
          <p className="text-sm text-slate-800">
            <span className="font-medium">Why it needs approval: </span>
            {item.reason}
            {item.source?.type === "policy" && item.source.name && (
              <span className="text-slate-500"> (policy {item.source.name})</span>
            )}
          </p>
        )}
        <ArgumentsView value={item.arguments} highlights={item.highlights} />
        {item.canDecide ? (
          <div className="space-y-2">
            <label htmlFor={commentId} className="block text-xs font-medium text-slate-700">
              Comment (optional; the agent is told it if you deny)
            </label>
            <Textarea
              id={commentId}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
              maxLength={1000}
              className="min-h-14"
            />
            <div className="flex gap-2">
              <Button
                onClick={() =>
                  approve.mutate({ id: item.id, comment: comment || null, argumentsHash: item.argumentsHash })
                }
                loading={approve.isPending}
                disabled={busy}
              >
                Approve
              </Button>
              <Button
                variant="danger"
                onClick={() => deny.mutate({ id: item.id, comment: comment || null })}
                loading={deny.isPending}
                disabled={busy}
              >
                Deny
              </Button>
            </div>
          </div>
        ) : (
          <p className="text-xs text-slate-600" data-testid="cannot-decide">
            {whyNot(item)}
          </p>
        )}
      </div>
    </article>
  );
}

/** Why the signed-in person gets no buttons (the API's `cannotDecide`, see mayDecideApproval). */
function whyNot(item: ApprovalItem): string {
  switch (item.cannotDecide) {
    case "own_request":
      return "This call is made on your behalf: someone else has to decide it.";
    case "not_team_approver":
      return `Only approvers of team ${item.team?.name ?? "(unknown)"}, owners and admins can decide this request: you are not a member of that team.`;
    case "no_team":
      return "This request belongs to no team: only an owner or admin can decide it.";
    case "role":
      return "Your role can see this request but not decide it.";
    default:
      return "This request can no longer be decided.";
  }
}
