import type { Metadata } from "next";
import { ApprovalsView } from "@/components/approvals/approvals-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Approvals" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/** `?id=<approval id>` (the link in a team's webhook message) opens that request first. */
export default async function ApprovalsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePermission("approvals.read", "/approvals");
  const id = (await searchParams).id;
  return <ApprovalsView {...(typeof id === "string" && id.trim() !== "" && { focusId: id.trim() })} />;
}
