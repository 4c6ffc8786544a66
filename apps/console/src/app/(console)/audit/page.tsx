import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditSearchView } from "@/components/audit/audit-search-view";
import { SkeletonRows } from "@/components/ui/spinner";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage() {
  await requirePermission("audit.read", "/audit");
  // The view reads its filters from the URL (useSearchParams), hence the Suspense boundary.
  return (
    <Suspense fallback={<SkeletonRows rows={6} label="Loading the audit log…" />}>
      <AuditSearchView />
    </Suspense>
  );
}
