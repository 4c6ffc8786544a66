"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { useToast } from "../ui/toast";

/**
 * Per-team notifications: a Slack-compatible incoming webhook the worker posts new requests
 * and decisions to. The URL is stored sealed; only its host is ever shown back (the rest of
 * a Slack webhook URL is its secret). `portcullis apply` sets it too (teams[].webhook).
 */
export function WebhooksCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const hooks = useQuery(trpc.approvals.webhooks.queryOptions());
  const [teamId, setTeamId] = useState("");
  const [url, setUrl] = useState("");
  const save = useMutation(
    trpc.approvals.setWebhook.mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.webhookHost ? `Webhook set (${r.webhookHost})` : "Webhook removed");
        setUrl("");
        await queryClient.invalidateQueries({ queryKey: trpc.approvals.webhooks.queryKey() });
      },
    }),
  );
  const errors = fieldErrors(save.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (teamId) save.mutate({ teamId, url: url.trim() || null });
  };

  return (
    <Card title="Notifications" className="mt-8">
      <ul className="mb-4 space-y-1 text-sm">
        {hooks.data?.map((h) => (
          <li key={h.teamId}>
            <span className="font-medium">{h.teamName}</span>:{" "}
            {h.webhookHost ? (
              <span>
                configured <span className="font-mono text-xs text-slate-600">({h.webhookHost})</span>
              </span>
            ) : (
              <span className="text-slate-500">no webhook</span>
            )}
          </li>
        ))}
        {hooks.data?.length === 0 && <li className="text-slate-500">No teams yet.</li>}
      </ul>
      <form onSubmit={submit} className="grid gap-3 sm:grid-cols-[12rem_1fr_auto] sm:items-end">
        <Field label="Team" error={errors.teamId}>
          <Select
            value={teamId}
            onChange={(e) => setTeamId(e.target.value)}
            placeholder="Choose a team…"
            options={hooks.data?.map((h) => ({ value: h.teamId, label: h.teamName })) ?? []}
          />
        </Field>
        <Field
          label="Webhook URL (empty to remove)"
          error={errors.url ?? (save.error && !errors.teamId ? errorMessage(save.error) : null)}
        >
          <Input
            type="url"
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://hooks.slack.com/services/…"
          />
        </Field>
        <Button type="submit" loading={save.isPending} disabled={!teamId}>
          Save
        </Button>
      </form>
    </Card>
  );
}
