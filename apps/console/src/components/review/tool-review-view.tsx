"use client";

import type { AppRouter } from "@portcullis/api/root";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useState } from "react";
import { dateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";
import { Badge, StatusBadge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { ConfirmDialog } from "../ui/dialog";
import { ErrorState, errorMessage } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { useToast } from "../ui/toast";
import { ReasonBadges } from "./reasons";
import { RevealedText } from "./revealed-text";
import { SideBySideDiff } from "./side-by-side-diff";

type ToolDiff = inferRouterOutputs<AppRouter>["review"]["diff"];
type FieldChange = ToolDiff["changes"][number];

const FIELD_LABELS: Record<FieldChange["field"], string> = {
  name: "Name",
  title: "Title",
  description: "Description",
  inputSchema: "Input schema",
  outputSchema: "Output schema",
  annotations: "Annotations",
};

const JSON_FIELDS = new Set<FieldChange["field"]>(["inputSchema", "outputSchema", "annotations"]);

/** One tool under review: its approved and current definitions side by side, and the decision. */
export function ToolReviewView({ toolId }: { toolId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const canWrite = useCan("tools.write");
  const diff = useQuery(trpc.review.diff.queryOptions({ id: toolId }));
  const [confirming, setConfirming] = useState<"approve" | "reject" | null>(null);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.review.diff.queryKey({ id: toolId }) }),
      queryClient.invalidateQueries({ queryKey: trpc.review.list.pathKey() }),
    ]);
  const approve = useMutation(
    trpc.review.approve.mutationOptions({
      onSuccess: async () => {
        toast.success(`Approved: agents with a grant see ${diff.data?.tool.exposedName} again`);
        setConfirming(null);
        await refresh();
      },
      // CONFLICT: the upstream changed the tool after this page loaded; show the new definition.
      onError: () => refresh(),
    }),
  );
  const reject = useMutation(
    trpc.review.reject.mutationOptions({
      onSuccess: async () => {
        toast.success(`${diff.data?.tool.exposedName} stays disabled`);
        setConfirming(null);
        await refresh();
      },
    }),
  );

  if (diff.error) return <ErrorState error={diff.error} />;
  if (!diff.data) return <SkeletonRows label="Loading the tool's definitions…" />;
  const { tool, approved, changes, findings } = diff.data;
  const decided = tool.status === "active" && tool.flags.length === 0;
  const changed = changes.filter((c) => c.changed);
  const unchanged = changes.filter((c) => !c.changed);

  return (
    <>
      <p className="mb-2 text-sm">
        <Link href="/review" className="text-indigo-700 hover:underline">
          ← Tool review
        </Link>
      </p>
      <PageHeader
        title={<span className="font-mono">{tool.exposedName}</span>}
        description={`Server ${tool.serverName} · upstream name ${tool.upstreamName} · first seen ${dateTime(tool.firstSeenAt)}`}
        actions={
          canWrite &&
          tool.status !== "removed" &&
          !decided && (
            <>
              {tool.status !== "disabled" && (
                <Button variant="secondary" onClick={() => setConfirming("reject")}>
                  Keep disabled
                </Button>
              )}
              <Button onClick={() => setConfirming("approve")}>Approve</Button>
            </>
          )
        }
      />
      <div className="mb-4 flex flex-wrap items-center gap-2 text-sm">
        <span className="text-slate-600">Status</span>
        <span data-testid="review-status">
          <StatusBadge status={tool.status} />
        </span>
        <ReasonBadges reasons={tool.reasons} />
      </div>
      <p className="mb-4 text-xs text-slate-600">
        Definition (sha256){" "}
        <code data-testid="definition-hash" className="font-mono break-all text-slate-800 select-all">
          {tool.definitionHash}
        </code>{" "}
        — to approve it from the config file instead: <code className="font-mono">approvedDefinition</code> in
        its <code className="font-mono">tools:</code> entry.
      </p>
      {decided && (
        <p
          role="status"
          className="mb-4 rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-900"
        >
          This definition is approved: agents with a grant see and call the tool.
        </p>
      )}
      {approved === null && (
        <p className="mb-4 rounded-md border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          {tool.approvedHash === null && tool.reasons.some((r) => r.kind === "new_tool")
            ? "A new tool: the server first listed it after its first sync, so nothing about it has been approved yet. Approving it serves this definition to agents whose grants cover it."
            : tool.approvedHash === null
              ? "No definition of this tool has been approved: it was quarantined the first time it was seen."
              : "The approved definition was not recorded (approved before definitions were kept); the current one is shown alone."}
        </p>
      )}

      {findings.length > 0 && (
        <Card title={`Injection markers (${findings.length})`} className="mb-4">
          <ul className="divide-y divide-slate-100 text-sm">
            {findings.map((f, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: findings come in a fixed order
              <li key={i} className="flex flex-wrap items-baseline gap-2 py-1.5">
                <Badge tone="red">{f.kind.replaceAll("_", " ")}</Badge>
                <span className="font-mono text-xs text-slate-600">
                  {f.field} @ {f.index}
                </span>
                <span className="break-all">
                  <RevealedText text={f.evidence} />
                </span>
              </li>
            ))}
          </ul>
        </Card>
      )}

      <div className="space-y-4">
        {changed.map((change) => (
          <FieldDiff key={change.field} change={change} diff={diff.data} />
        ))}
        {changed.length === 0 && (
          <p className="text-sm text-slate-600">No field differs from the approved definition.</p>
        )}
        {unchanged.length > 0 && (
          <details className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
            <summary className="cursor-pointer text-sm font-semibold text-slate-900">
              Unchanged fields: {unchanged.map((c) => FIELD_LABELS[c.field]).join(", ")}
            </summary>
            <div className="mt-3 space-y-4">
              {unchanged.map((change) => (
                <FieldDiff key={change.field} change={change} diff={diff.data} />
              ))}
            </div>
          </details>
        )}
      </div>

      <ConfirmDialog
        open={confirming === "approve"}
        onClose={() => {
          setConfirming(null);
          approve.reset();
        }}
        onConfirm={() => approve.mutate({ id: tool.id, definitionHash: tool.definitionHash })}
        title={`Approve ${tool.exposedName}?`}
        confirmLabel="Approve definition"
        danger={findings.length > 0}
        loading={approve.isPending}
        error={approve.error ? errorMessage(approve.error) : null}
        message={
          <>
            <p>
              Agents with a grant will see and call this tool with the definition shown here, within a second.
              If the server changes it again, it goes back to quarantine.
            </p>
            {findings.length > 0 && (
              <p className="mt-2 font-medium text-red-800">
                Its definition carries {findings.length} injection marker{findings.length === 1 ? "" : "s"}.
              </p>
            )}
          </>
        }
      />
      <ConfirmDialog
        open={confirming === "reject"}
        onClose={() => {
          setConfirming(null);
          reject.reset();
        }}
        onConfirm={() => reject.mutate({ id: tool.id })}
        title={`Keep ${tool.exposedName} disabled?`}
        confirmLabel="Keep disabled"
        danger
        loading={reject.isPending}
        error={reject.error ? errorMessage(reject.error) : null}
        message="Agents will neither see nor call it, whatever its server lists, until an admin approves it."
      />
    </>
  );
}

function FieldDiff({ change, diff }: { change: FieldChange; diff: ToolDiff }) {
  const isJson = JSON_FIELDS.has(change.field);
  const marks = isJson
    ? []
    : diff.findings
        .filter((f) => f.field === change.field)
        .map((f) => ({ index: f.index, length: f.length, label: f.kind.replaceAll("_", " ") }));
  return (
    <Card
      title={
        <span className="flex items-center gap-2">
          {FIELD_LABELS[change.field]}
          {change.changed ? <Badge tone="yellow">changed</Badge> : <Badge>unchanged</Badge>}
        </span>
      }
    >
      <section aria-label={`${FIELD_LABELS[change.field]} diff`}>
        <SideBySideDiff
          ops={change.text}
          marks={marks}
          mono={isJson}
          approvedMissing={diff.approved === null}
        />
        {change.json && change.json.length > 0 && (
          <ul
            className="mt-3 space-y-1 font-mono text-xs"
            aria-label={`${FIELD_LABELS[change.field]} changes`}
          >
            {change.json.map((j) => (
              <li key={`${j.kind}:${j.path}`}>
                <Badge tone={j.kind === "added" ? "green" : j.kind === "removed" ? "red" : "yellow"}>
                  {j.kind}
                </Badge>{" "}
                {j.path}
              </li>
            ))}
          </ul>
        )}
      </section>
    </Card>
  );
}
