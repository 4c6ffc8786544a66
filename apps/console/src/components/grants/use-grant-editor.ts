"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/trpc/react";
import { errorMessage } from "../ui/error-state";
import { useToast } from "../ui/toast";
import { type Effect, exactGrant, type Grant, type Subject } from "./grant-model";

/**
 * Sets or clears the grant of a subject on a server for one pattern: "" deletes it (back to
 * default deny), an effect creates or updates it. Refreshes the grants and the preview.
 */
export function useGrantEditor(grants: Grant[] | undefined) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.grants.list.queryKey() }),
      queryClient.invalidateQueries({ queryKey: trpc.grants.preview.queryKey() }),
    ]);
  const onError = (e: unknown) => toast.error(errorMessage(e));
  const set = useMutation(trpc.grants.set.mutationOptions({ onSuccess: refresh, onError }));
  const remove = useMutation(trpc.grants.delete.mutationOptions({ onSuccess: refresh, onError }));

  const change = (subject: Subject, serverId: string, toolPattern: string, effect: Effect | "") => {
    const current = exactGrant(grants ?? [], subject, serverId, toolPattern);
    if (effect === "") {
      if (current) remove.mutate({ id: current.id });
      return;
    }
    set.mutate({ subject: { type: subject.type, id: subject.id }, serverId, toolPattern, effect });
  };
  return { change, set, remove, pending: set.isPending || remove.isPending };
}
