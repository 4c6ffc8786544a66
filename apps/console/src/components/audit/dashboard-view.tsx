"use client";

import { auditFilterToSearchParams } from "@portcullis/api/routers/audit/filter-input";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo, useState } from "react";
import { count } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { cn } from "../ui/cn";
import { ErrorState } from "../ui/error-state";
import { Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { Skeleton } from "../ui/spinner";
import { Table, TBody, Td, THead, Th, Tr } from "../ui/table";
import { BarList } from "./bar-list";
import { RequestsChart } from "./requests-chart";
import { latency } from "./time-range";
import { UnmatchedSearches } from "./unmatched-searches";

const RANGES = {
  "24h": { label: "Last 24 hours", ms: 86_400_000 },
  "7d": { label: "Last 7 days", ms: 7 * 86_400_000 },
  "30d": { label: "Last 30 days", ms: 30 * 86_400_000 },
} as const;
type RangeKey = keyof typeof RANGES;

/**
 * What the gateways did over a period: requests over time, why calls were denied or
 * failed, latency per upstream server, the busiest tools and agents. Every list links to
 * the audit search narrowed to that item and period.
 */
export function DashboardView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const rangeParam = params.get("range");
  const range: RangeKey = rangeParam && rangeParam in RANGES ? (rangeParam as RangeKey) : "24h";
  // `?portal=<name>`: one portal's requests only (/mcp/<portal>).
  const portal = params.get("portal") || undefined;
  const portals = useQuery(trpc.portals.list.queryOptions());
  // The window ends when it was chosen (or refreshed), so the query key stays stable.
  const [endedAt, setEndedAt] = useState(() => Date.now());
  const period = useMemo(
    () => ({ from: new Date(endedAt - RANGES[range].ms), to: new Date(endedAt), ...(portal && { portal }) }),
    [endedAt, range, portal],
  );
  const dashboard = useQuery({
    ...trpc.audit.dashboard.queryOptions(period),
    placeholderData: keepPreviousData,
  });
  const searchLink = (filter: Record<string, string>) =>
    `/audit?${auditFilterToSearchParams({ from: period.from, ...(portal && { portal }), ...filter })}`;

  const go = (next: { range?: RangeKey; portal?: string }) => {
    setEndedAt(Date.now());
    const query = new URLSearchParams({ range: next.range ?? range });
    const chosenPortal = "portal" in next ? next.portal : portal;
    if (chosenPortal) query.set("portal", chosenPortal);
    router.replace(`${pathname}?${query}`, { scroll: false });
  };
  const choose = (key: RangeKey) => go({ range: key });

  const d = dashboard.data;
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Requests through the gateways, from the audit log."
        actions={
          <>
            {(portals.data?.length ?? 0) > 0 && (
              <Select
                aria-label="Portal"
                className="w-48"
                value={portal ?? ""}
                onChange={(e) => go({ portal: e.target.value || undefined })}
                options={[
                  { value: "", label: "Every endpoint" },
                  ...(portals.data ?? []).map((p) => ({
                    value: p.portal.name,
                    label: `portal ${p.portal.name}`,
                  })),
                ]}
              />
            )}
            <fieldset className="inline-flex rounded-md shadow-sm">
              <legend className="sr-only">Period</legend>
              {(Object.keys(RANGES) as RangeKey[]).map((key, i) => (
                <Button
                  key={key}
                  variant={key === range ? "primary" : "secondary"}
                  size="sm"
                  aria-pressed={key === range}
                  className={cn(i > 0 && "-ml-px", "rounded-none first:rounded-l-md last:rounded-r-md")}
                  onClick={() => choose(key)}
                >
                  {RANGES[key].label}
                </Button>
              ))}
            </fieldset>
            <Button
              variant="ghost"
              size="sm"
              onClick={() => setEndedAt(Date.now())}
              loading={dashboard.isFetching}
            >
              Refresh
            </Button>
          </>
        }
      />
      {dashboard.error ? (
        <ErrorState error={dashboard.error} />
      ) : (
        <div className={cn("space-y-4", dashboard.isPlaceholderData && "opacity-60")}>
          <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
            <Stat label="Requests" value={d?.totals.total} href={searchLink({})} />
            <Stat
              label="Denied"
              value={d?.totals.denied}
              href={searchLink({ decision: "denied" })}
              tone="text-amber-700"
            />
            <Stat
              label="Errors"
              value={d?.totals.errors}
              href={searchLink({ decision: "error" })}
              tone="text-red-700"
            />
            <Stat
              label="Error rate"
              text={
                d
                  ? d.totals.total === 0
                    ? "—"
                    : `${((100 * d.totals.errors) / d.totals.total).toFixed(1)} %`
                  : undefined
              }
            />
          </div>
          <Card title="Requests over time">
            {d ? (
              <RequestsChart buckets={d.buckets} bucketSeconds={d.bucketSeconds} />
            ) : (
              <Skeleton className="h-48 w-full" />
            )}
          </Card>
          <div className="grid gap-4 lg:grid-cols-2">
            <Card title="Denials by reason">
              {d ? (
                <BarList
                  tone="bg-amber-100"
                  empty="No call was denied in this period."
                  items={d.denialsByReason.map((r) => ({ key: r.reason, label: r.reason, value: r.count }))}
                />
              ) : (
                <Skeleton className="h-32 w-full" />
              )}
            </Card>
            <Card title="Errors by reason">
              {d ? (
                <BarList
                  tone="bg-red-100"
                  empty="No call failed in this period."
                  items={d.errorsByReason.map((r) => ({ key: r.reason, label: r.reason, value: r.count }))}
                />
              ) : (
                <Skeleton className="h-32 w-full" />
              )}
            </Card>
            <Card title="Top tools">
              {d ? (
                <BarList
                  empty="No tool was called in this period."
                  items={d.topTools.map((t) => ({
                    key: t.toolName,
                    label: <span className="font-mono text-xs">{t.toolName}</span>,
                    value: t.calls,
                    detail: breakdown(t.denied, t.errors),
                    href: searchLink({ tool: t.toolName }),
                  }))}
                />
              ) : (
                <Skeleton className="h-32 w-full" />
              )}
            </Card>
            <Card title="Top agents">
              {d ? (
                <BarList
                  empty="No agent called in this period."
                  items={d.topAgents.map((a) => ({
                    key: a.agentId,
                    label: a.agentName ?? a.agentId,
                    value: a.calls,
                    detail: breakdown(a.denied, a.errors),
                    href: searchLink({ agentId: a.agentId }),
                  }))}
                />
              ) : (
                <Skeleton className="h-32 w-full" />
              )}
            </Card>
          </div>
          <Card title="Latency by server (tools/call, end to end)">
            {!d ? (
              <Skeleton className="h-32 w-full" />
            ) : d.latencyByServer.length === 0 ? (
              <p className="py-4 text-center text-sm text-slate-500">No tool call in this period.</p>
            ) : (
              <Table label="Latency by server">
                <THead>
                  <tr>
                    <Th>Server</Th>
                    <Th className="text-right">Calls</Th>
                    <Th className="text-right">p50</Th>
                    <Th className="text-right">p95</Th>
                  </tr>
                </THead>
                <TBody>
                  {d.latencyByServer.map((s) => (
                    <Tr key={s.serverId}>
                      <Td>
                        <Link className="hover:underline" href={searchLink({ serverId: s.serverId })}>
                          {s.serverName ?? s.serverId}
                        </Link>
                      </Td>
                      <Td className="text-right tabular-nums">{count(s.calls)}</Td>
                      <Td className="text-right tabular-nums">{latency(s.p50Ms)}</Td>
                      <Td className="text-right tabular-nums">{latency(s.p95Ms)}</Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </Card>
          <UnmatchedSearches period={period} />
        </div>
      )}
    </>
  );
}

function breakdown(denied: number, errors: number): string | undefined {
  const parts = [denied > 0 && `${count(denied)} denied`, errors > 0 && `${count(errors)} errors`].filter(
    Boolean,
  );
  return parts.length > 0 ? parts.join(", ") : undefined;
}

function Stat({
  label,
  value,
  text,
  href,
  tone = "text-slate-900",
}: {
  label: string;
  value?: number;
  text?: string;
  href?: string;
  tone?: string;
}) {
  const shown = text ?? (value === undefined ? undefined : count(value));
  const body = (
    <>
      <p className="text-sm text-slate-600">{label}</p>
      {shown === undefined ? (
        <Skeleton className="mt-1 h-8 w-20" />
      ) : (
        <p className={cn("mt-1 text-2xl font-semibold tabular-nums", tone)}>{shown}</p>
      )}
    </>
  );
  const box = "block rounded-lg border border-slate-200 bg-white p-4 shadow-sm";
  return href ? (
    <Link href={href} className={cn(box, "hover:border-indigo-300")}>
      {body}
    </Link>
  ) : (
    <div className={box}>{body}</div>
  );
}
