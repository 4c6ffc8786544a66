import type { Metadata } from "next";
import { Suspense } from "react";
import { GrantsView } from "@/components/grants/grants-view";
import { SkeletonRows } from "@/components/ui/spinner";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Grants" };

export default async function GrantsPage() {
  await requirePermission("grants.read", "/grants");
  return (
    // useSearchParams (the selected server and agent) needs a Suspense boundary.
    <Suspense fallback={<SkeletonRows rows={5} label="Loading grants…" />}>
      <GrantsView />
    </Suspense>
  );
}
