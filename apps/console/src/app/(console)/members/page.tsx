import type { Metadata } from "next";
import { MembersView } from "@/components/members/members-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Members" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function MembersPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePermission("members.read", "/members");
  const search = (await searchParams).search;
  const initial = typeof search === "string" ? search : "";
  // Keyed by the search: the palette opening another person while on this page starts afresh.
  return <MembersView key={initial} initialSearch={initial} />;
}
