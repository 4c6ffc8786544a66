"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../../ui/button";
import { Dialog } from "../../ui/dialog";
import { ErrorState, errorMessage } from "../../ui/error-state";
import { Select } from "../../ui/input";
import { SkeletonRows } from "../../ui/spinner";
import { Table, TBody, Td, THead, Th, Tr } from "../../ui/table";
import { useToast } from "../../ui/toast";
import { EFFECT_LABELS, type Effect } from "../grant-model";
import { ACCESS_LABELS, type PrincipalRef, type ToolFilter } from "./access-model";

/**
 * "Set every tool this filter keeps to…": the change is previewed first (which grants it
 * writes, how each tool's access changes — a stronger grant may still win), and the save
 * is bound to that preview (the server refuses it if anything changed in between).
 */
export function BulkChange({
  principal,
  principalName,
  filter,
}: {
  principal: PrincipalRef;
  principalName: string;
  filter: ToolFilter;
}) {
  const [effect, setEffect] = useState<Effect>("approve");
  const [previewing, setPreviewing] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm">
      <span className="text-slate-800">Set the tools this filter shows to</span>
      <div className="w-48">
        <Select
          aria-label="Bulk effect"
          value={effect}
          onChange={(e) => setEffect(e.target.value as Effect)}
          options={(Object.keys(EFFECT_LABELS) as Effect[]).map((e) => ({
            value: e,
            label: EFFECT_LABELS[e],
          }))}
        />
      </div>
      <span className="text-slate-800">for {principalName}</span>
      <Button size="sm" onClick={() => setPreviewing(true)}>
        Preview change
      </Button>
      {previewing && (
        <BulkPreviewDialog
          change={{ principal, filter, effect }}
          principalName={principalName}
          onClose={() => setPreviewing(false)}
        />
      )}
    </div>
  );
}

function BulkPreviewDialog({
  change,
  principalName,
  onClose,
}: {
  change: { principal: PrincipalRef; filter: ToolFilter; effect: Effect };
  principalName: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const plan = useQuery({ ...trpc.grants.bulk.preview.queryOptions(change), staleTime: 0, gcTime: 0 });
  const save = useMutation(
    trpc.grants.bulk.save.mutationOptions({
      onSuccess: async (r) => {
        toast.success(`Saved: ${r.created} grants created, ${r.updated} updated`);
        await queryClient.invalidateQueries({ queryKey: trpc.grants.pathKey() });
        onClose();
      },
    }),
  );
  const writes = plan.data?.grants.filter((g) => g.action !== "none") ?? [];
  return (
    <Dialog
      open
      onClose={onClose}
      size="lg"
      title={`Preview: ${EFFECT_LABELS[change.effect].toLowerCase()} for ${principalName}`}
      description="Nothing is saved until you confirm. The most restrictive grant still wins: a deny elsewhere keeps a tool denied."
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={save.isPending}>
            Cancel
          </Button>
          <Button
            onClick={() => plan.data && save.mutate({ change, fingerprint: plan.data.fingerprint })}
            disabled={!plan.data || writes.length === 0}
            loading={save.isPending}
          >
            Save {writes.length} {writes.length === 1 ? "grant" : "grants"}
          </Button>
        </>
      }
    >
      {plan.error ? (
        <ErrorState error={plan.error} />
      ) : !plan.data ? (
        <SkeletonRows rows={4} label="Computing the change…" />
      ) : (
        <div className="space-y-4 text-sm">
          <p role="status" className="text-slate-800">
            {writes.length} {writes.length === 1 ? "grant" : "grants"} to write (
            {plan.data.grants.length - writes.length} unchanged); {plan.data.tools.changed} of{" "}
            {plan.data.tools.total} tools change access.
          </p>
          {save.error && (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-red-800">
              {errorMessage(save.error)}
            </p>
          )}
          <Table label="Grants to write">
            <THead>
              <tr>
                <Th>Server</Th>
                <Th>Tools</Th>
                <Th>Change</Th>
              </tr>
            </THead>
            <TBody>
              {writes.slice(0, 100).map((g) => (
                <Tr key={`${g.serverId}:${g.toolPattern}`}>
                  <Td>
                    {/* Links also make the scrolling dialog body reachable by keyboard. */}
                    <Link href={`/servers/${g.serverId}`} className="text-indigo-700 hover:underline">
                      {g.serverName}
                    </Link>
                  </Td>
                  <Td className="font-mono text-xs">{g.toolPattern}</Td>
                  <Td>{g.action === "create" ? "new grant" : `${g.before} → ${change.effect}`}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
          {writes.length > 100 && <p className="text-slate-600">…and {writes.length - 100} more.</p>}
          <Table label="Access after the change">
            <THead>
              <tr>
                <Th>Tool</Th>
                <Th>Before</Th>
                <Th>After</Th>
              </tr>
            </THead>
            <TBody>
              {plan.data.tools.sample.slice(0, 100).map((t) => (
                <Tr key={t.toolId}>
                  <Td className="font-mono text-xs">{t.exposedName}</Td>
                  <Td>{ACCESS_LABELS[t.before]}</Td>
                  <Td className={t.before === t.after ? "text-slate-600" : "font-medium text-slate-900"}>
                    {t.before === t.after ? `${ACCESS_LABELS[t.after]} (unchanged)` : ACCESS_LABELS[t.after]}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        </div>
      )}
    </Dialog>
  );
}
