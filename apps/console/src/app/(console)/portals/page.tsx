import type { Metadata } from "next";
import { PortalsView } from "@/components/portals/portals-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Portals" };

export default async function PortalsPage() {
  await requirePermission("servers.read", "/portals");
  return <PortalsView />;
}
