import type { Metadata } from "next";
import { MembersView } from "@/components/members/members-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage() {
  await requirePermission("members.read", "/members");
  return <MembersView />;
}
