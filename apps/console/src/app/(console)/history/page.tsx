import type { Metadata } from "next";
import { HistoryTabs } from "@/components/history/history-tabs";
import { SnapshotsView } from "@/components/history/snapshots-view";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Config history" };

export default async function HistoryPage() {
  await requirePermission("config.read", "/history");
  return (
    <>
      <PageHeader
        title="History"
        description="Every configuration version published to the gateways, and who changed what."
      />
      <HistoryTabs current="/history" />
      <SnapshotsView />
    </>
  );
}
