import type { Metadata } from "next";
import { Suspense } from "react";
import { DashboardView } from "@/components/audit/dashboard-view";
import { SkeletonRows } from "@/components/ui/spinner";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  await requirePermission("audit.read", "/dashboard");
  return (
    <Suspense fallback={<SkeletonRows rows={6} label="Loading the dashboard…" />}>
      <DashboardView />
    </Suspense>
  );
}
