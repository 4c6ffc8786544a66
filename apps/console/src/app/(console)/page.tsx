import type { Metadata } from "next";
import { OverviewView } from "@/components/overview/overview-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  await requirePermission("overview.read", "/");
  return <OverviewView />;
}
