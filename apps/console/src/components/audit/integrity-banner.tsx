"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { count, dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan } from "../shell/me-context";

const CHAIN_NAMES = { audit: "audit log", admin: "admin change log" } as const;

/**
 * Shown on every console page while the worker's newest keyed checkpoint says a chain is
 * broken (an edited, rehashed or deleted row): someone changed the record behind Portcullis's
 * back. Only for people who may read the audit log; nothing while the chains are intact.
 */
export function AuditIntegrityBanner() {
  const mayRead = useCan("audit.read");
  const trpc = useTRPC();
  const integrity = useQuery({ ...trpc.audit.integrity.queryOptions(), enabled: mayRead, staleTime: 60_000 });
  const broken = integrity.data?.filter((c) => c.ok === false) ?? [];
  if (!mayRead || broken.length === 0) return null;
  return (
    <div
      role="alert"
      className="mb-4 rounded border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900"
      data-testid="audit-integrity-banner"
    >
      {broken.map((c) => (
        <p key={c.chain}>
          <strong>The {CHAIN_NAMES[c.chain]} failed verification</strong>{" "}
          {c.checkedAt && `(${timeAgo(c.checkedAt)})`}: {c.detail}.{" "}
          {c.lastVerified
            ? `Last verified intact ${dateTime(c.lastVerified.at)}, up to position ${count(c.lastVerified.headSeq)}.`
            : "It was never verified intact."}{" "}
          <Link className="underline" href="/audit">
            Open the audit log
          </Link>
        </p>
      ))}
    </div>
  );
}

/** The last keyed checkpoint of each chain, beside the audit page's chain check. */
export function LastCheckpoint() {
  const trpc = useTRPC();
  const integrity = useQuery({ ...trpc.audit.integrity.queryOptions(), staleTime: 60_000 });
  if (!integrity.data) return null;
  return (
    <span className="text-sm text-slate-600" data-testid="last-checkpoint">
      {integrity.data
        .map((c) =>
          c.lastVerified
            ? `${CHAIN_NAMES[c.chain]}: last verified checkpoint ${dateTime(c.lastVerified.at)} (${count(c.lastVerified.headSeq)} entries)`
            : `${CHAIN_NAMES[c.chain]}: no verified checkpoint yet`,
        )
        .join(" · ")}
    </span>
  );
}
