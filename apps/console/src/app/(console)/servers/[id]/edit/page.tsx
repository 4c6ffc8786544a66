import type { Metadata } from "next";
import { EditServerView } from "@/components/servers/edit-server-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Edit server" };

export default async function EditServerPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requirePermission("servers.write", `/servers/${id}/edit`);
  return <EditServerView serverId={id} />;
}
