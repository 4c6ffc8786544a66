import type { Metadata } from "next";
import Link from "next/link";
import { ServerForm } from "@/components/servers/server-form";
import { PageHeader } from "@/components/ui/page-header";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Add server" };

export default async function NewServerPage() {
  await requirePermission("servers.write", "/servers/new");
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/servers" className="hover:underline">
          Servers
        </Link>{" "}
        / Add
      </nav>
      <PageHeader
        title="Add server"
        description="Connect an upstream MCP server. Test the connection, save, then sync its catalog."
      />
      <ServerForm />
    </>
  );
}
