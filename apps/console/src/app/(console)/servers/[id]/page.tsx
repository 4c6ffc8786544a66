import type { Metadata } from "next";
import { ServerDetailView } from "@/components/servers/server-detail-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Server" };

export default async function ServerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requirePermission("servers.read", `/servers/${id}`);
  return <ServerDetailView serverId={id} />;
}
