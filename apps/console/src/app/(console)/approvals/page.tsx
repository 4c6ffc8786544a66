import type { Metadata } from "next";
import { ApprovalsView } from "@/components/approvals/approvals-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Approvals" };

export default async function ApprovalsPage() {
  await requirePermission("approvals.read", "/approvals");
  return <ApprovalsView />;
}
