import type { Metadata } from "next";
import { AdminAuditView } from "@/components/history/admin-audit-view";
import { HistoryTabs } from "@/components/history/history-tabs";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Admin audit log" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AdminAuditPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePermission("config.read", "/history/audit");
  const targetId = (await searchParams).targetId;
  return (
    <>
      <PageHeader
        title="History"
        description="Every configuration version published to the gateways, and who changed what."
      />
      <HistoryTabs current="/history/audit" />
      <AdminAuditView initialTargetId={typeof targetId === "string" ? targetId : undefined} />
    </>
  );
}
