import type { Metadata } from "next";
import { AgentsView } from "@/components/agents/agents-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Agents" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AgentsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePermission("agents.read", "/agents");
  const team = (await searchParams).team;
  return <AgentsView initialTeamId={typeof team === "string" ? team : ""} />;
}
