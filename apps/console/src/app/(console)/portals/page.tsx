import type { Metadata } from "next";
import { PortalsView } from "@/components/portals/portals-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Portals" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function PortalsPage({ searchParams }: { searchParams: SearchParams }) {
  await requirePermission("servers.read", "/portals");
  const portal = (await searchParams).portal;
  return <PortalsView key={String(portal)} focusId={typeof portal === "string" ? portal : null} />;
}
