import type { Metadata } from "next";
import { TeamsView } from "@/components/teams/teams-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Teams" };

export default async function TeamsPage() {
  await requirePermission("teams.read", "/teams");
  return <TeamsView />;
}
