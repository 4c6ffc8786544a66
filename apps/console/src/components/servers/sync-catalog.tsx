"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { errorMessage } from "../ui/error-state";
import { ProgressBar } from "../ui/progress-bar";

const STEP_LABELS = {
  connecting: "Connecting to the server",
  listing: "Listing its tools",
  storing: "Storing the catalog",
  publishing: "Publishing to the gateways",
} as const;

/**
 * "Sync catalog": starts a catalog.sync job in the worker and follows it with a progress
 * bar (polling servers.syncStatus) until it completes or fails, then refreshes the page's data.
 */
export function SyncCatalog({
  serverId,
  serverName,
  disabled,
}: {
  serverId: string;
  serverName: string;
  disabled?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation(trpc.servers.sync.mutationOptions({ onSuccess: ({ jobId }) => setJobId(jobId) }));
  const status = useQuery({
    ...trpc.servers.syncStatus.queryOptions({ jobId: jobId ?? "" }),
    enabled: jobId !== null,
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state === "completed" || state === "failed" ? false : 400;
    },
  });
  const state = status.data?.state;
  const finished = state === "completed" || state === "failed";

  useEffect(() => {
    if (!finished) return;
    // The catalog (and the server's health) changed: refresh what the page shows.
    void queryClient.invalidateQueries({ queryKey: trpc.tools.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.servers.get.queryKey({ id: serverId }) });
    void queryClient.invalidateQueries({ queryKey: trpc.servers.pathKey() });
  }, [finished, queryClient, serverId, trpc]);

  const running = jobId !== null && !finished && !status.error;
  const result = status.data?.result;
  return (
    <div className="space-y-3">
      <Button
        onClick={() => start.mutate({ id: serverId })}
        loading={start.isPending || running}
        disabled={disabled}
      >
        Sync catalog
      </Button>
      {start.error && (
        <p role="alert" className="text-sm text-red-700">
          {errorMessage(start.error)}
        </p>
      )}
      {jobId !== null && (
        <div className="max-w-md space-y-2" aria-live="polite">
          <ProgressBar
            label={
              state === "completed"
                ? `Catalog of ${serverName} synced`
                : state === "failed"
                  ? "Sync failed"
                  : status.data?.step
                    ? STEP_LABELS[status.data.step]
                    : "Waiting for a worker"
            }
            value={status.data?.progress ?? 0}
            tone={state === "completed" ? "green" : state === "failed" ? "red" : "brand"}
          />
          {state === "completed" && result && (
            <p role="status" className="text-sm text-green-800">
              {result.added.length} added, {result.changed.length} changed, {result.removed.length} removed,{" "}
              {result.unchanged} unchanged
              {result.snapshotVersion !== null ? ` · published as snapshot v${result.snapshotVersion}` : ""}.
            </p>
          )}
          {state === "failed" && (
            <p role="alert" className="text-sm break-words text-red-700">
              {status.data?.error}
            </p>
          )}
          {status.error && (
            <p role="alert" className="text-sm text-red-700">
              {errorMessage(status.error)}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
