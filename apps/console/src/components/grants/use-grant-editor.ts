"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { errorMessage } from "../ui/error-state";
import { useToast } from "../ui/toast";
import { type Effect, exactGrant, type Grant, type Subject } from "./grant-model";

/**
 * Sets or clears the grant of a subject on a server for one pattern: "" deletes it (back to
 * default deny), an effect creates or updates it. The matrix shows the change at once
 * (the server publishes a snapshot, which takes a moment with a large catalog) and rolls
 * it back if the server refuses; the grants and the preview are refetched either way.
 */
export function useGrantEditor(grants: Grant[] | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const listKey = trpc.grants.list.queryKey();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.grants.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.grants.preview.queryKey() }),
    ]);
  const set = useMutation(trpc.grants.set.mutationOptions({ onSettled: refresh }));
  const remove = useMutation(trpc.grants.delete.mutationOptions({ onSettled: refresh }));

  const optimistic = (update: (list: Grant[]) => Grant[]) => {
    const previous = queryClient.getQueryData<Grant[]>(listKey);
    void queryClient.cancelQueries({ queryKey: listKey });
    if (previous) queryClient.setQueryData<Grant[]>(listKey, update(previous));
    return (error: unknown) => {
      if (previous) queryClient.setQueryData<Grant[]>(listKey, previous);
      toast.error(errorMessage(error));
    };
  };

  const change = (
    subject: Subject,
    server: { id: string; name: string },
    toolPattern: string,
    effect: Effect | "",
  ) => {
    const current = exactGrant(grants ?? [], subject, server.id, toolPattern);
    if (effect === "") {
      if (!current) return;
      const rollback = optimistic((list) => list.filter((g) => g.id !== current.id));
      remove.mutate({ id: current.id }, { onError: rollback });
      return;
    }
    const rollback = optimistic((list) =>
      current
        ? list.map((g) => (g.id === current.id ? { ...g, effect, condition: null } : g))
        : [
            ...list,
            {
              id: `pending:${subject.type}:${subject.id}:${server.id}:${toolPattern}`,
              subject: { type: subject.type, id: subject.id, name: subject.name },
              serverId: server.id,
              serverName: server.name,
              toolPattern,
              effect,
              reason: null,
              approvalTimeoutSec: null,
              condition: null,
              createdBy: null,
              updatedAt: new Date(),
            },
          ],
    );
    // grants.set takes the whole grant: keep its reason (and timeout while it asks for
    // approval); a condition only means something on `approve`, which this cell is leaving
    // or entering, so it goes (edit conditions under "All rules").
    set.mutate(
      {
        subject: { type: subject.type, id: subject.id },
        serverId: server.id,
        toolPattern,
        effect,
        reason: current?.reason ?? null,
        approvalTimeoutSec: effect === "approve" ? (current?.approvalTimeoutSec ?? null) : null,
        condition: null,
      },
      { onError: rollback },
    );
  };
  return { change, refresh };
}
