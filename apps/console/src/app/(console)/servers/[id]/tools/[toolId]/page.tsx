import type { Metadata } from "next";
import { ToolDetailView } from "@/components/servers/tool-detail-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Tool" };

export default async function ToolPage({ params }: { params: Promise<{ id: string; toolId: string }> }) {
  const { id, toolId } = await params;
  await requirePermission("tools.read", `/servers/${id}/tools/${toolId}`);
  return <ToolDetailView serverId={id} toolId={toolId} />;
}
