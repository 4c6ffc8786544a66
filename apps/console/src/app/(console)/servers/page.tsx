import type { Metadata } from "next";
import { ServersView } from "@/components/servers/servers-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Servers" };

export default async function ServersPage() {
  await requirePermission("servers.read", "/servers");
  return <ServersView />;
}
