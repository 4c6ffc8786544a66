import type { Metadata } from "next";
import { PoliciesView } from "@/components/policies/policies-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Policies" };

export default async function PoliciesPage() {
  await requirePermission("policies.read", "/policies");
  return <PoliciesView />;
}
