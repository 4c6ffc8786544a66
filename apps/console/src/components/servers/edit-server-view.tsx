"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/trpc/react";
import { ErrorState } from "../ui/error-state";
import { PageHeader } from "../ui/page-header";
import { SkeletonRows } from "../ui/spinner";
import { ServerForm } from "./server-form";

export function EditServerView({ serverId }: { serverId: string }) {
  const trpc = useTRPC();
  // Fresh on every visit: the form starts from what is stored now.
  const server = useQuery({ ...trpc.servers.get.queryOptions({ id: serverId }), staleTime: 0 });
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link href="/servers" className="hover:underline">
          Servers
        </Link>{" "}
        /{" "}
        <Link href={`/servers/${serverId}`} className="hover:underline">
          {server.data?.name ?? "…"}
        </Link>{" "}
        / Edit
      </nav>
      <PageHeader title={server.data ? `Edit ${server.data.name}` : "Edit server"} />
      {server.error ? (
        <ErrorState error={server.error} />
      ) : server.data ? (
        <ServerForm server={server.data} />
      ) : (
        <SkeletonRows rows={6} label="Loading the server…" />
      )}
    </>
  );
}
