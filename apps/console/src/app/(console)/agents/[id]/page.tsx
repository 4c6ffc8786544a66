import type { Metadata } from "next";
import { AgentDetailView } from "@/components/agents/agent-detail-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Agent" };

export default async function AgentPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  await requirePermission("agents.read", `/agents/${id}`);
  return <AgentDetailView agentId={id} />;
}
