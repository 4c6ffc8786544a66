"use client";

import type { Role } from "@portcullis/auth/permissions";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { dateTime, timeAgo } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { useCan, useMe } from "../shell/me-context";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/dialog";
import { ErrorState, errorMessage } from "../ui/error-state";
import { Input, Select } from "../ui/input";
import { PageHeader } from "../ui/page-header";
import { DataTable, offsetPagination } from "../ui/table";
import { useToast } from "../ui/toast";
import { PAGE_SIZE, usePagedList } from "../ui/use-paged-list";
import { ConnectedClients } from "./connected-clients";
import { InviteDialog } from "./invite-dialog";
import { ROLE_OPTIONS } from "./roles";

/** `initialSearch`: the search a link opened the page with (the palette opens a person by email). */
export function MembersView({ initialSearch = "" }: { initialSearch?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const me = useMe();
  const canWrite = useCan("members.write");
  const list = usePagedList<"email" | "name" | "role" | "joinedAt">("email", "asc", initialSearch);
  const [role, setRoleFilter] = useState<Role | "">("");
  const members = useQuery({
    ...trpc.members.page.queryOptions({ ...list.input, ...(role && { role }) }),
    placeholderData: (previous) => previous,
  });
  const invitations = useQuery(trpc.members.invitations.queryOptions());
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<{ userId: string; email: string } | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.members.pathKey() });

  const setRole = useMutation(
    trpc.members.setRole.mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.changed ? `Role changed to ${r.role}` : "Role unchanged");
        await refresh();
      },
      onError: async (e) => {
        toast.error(errorMessage(e));
        await refresh();
      },
    }),
  );
  const suspend = useMutation(
    trpc.members.setSuspended.mutationOptions({
      onSuccess: async (r) => {
        toast.success(r.suspended ? "Suspended; their MCP clients are refused now" : "Suspension lifted");
        await refresh();
      },
      onError: (e) => toast.error(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.members.remove.mutationOptions({
      onSuccess: async () => {
        toast.success(`${removing?.email} removed; their access ends now`);
        setRemoving(null);
        await refresh();
      },
    }),
  );

  return (
    <>
      <PageHeader
        title="Members"
        description="People in your organization and their roles. Removing someone ends their access at their next request."
        actions={canWrite && <Button onClick={() => setInviting(true)}>Invite member</Button>}
      />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="w-80">
          <Input
            type="search"
            aria-label="Search members"
            placeholder="Search by email or name…"
            value={list.search}
            onChange={(e) => list.setSearch(e.target.value)}
          />
        </div>
        <div className="w-40">
          <Select
            aria-label="Role filter"
            value={role}
            onChange={(e) => {
              setRoleFilter(e.target.value as Role | "");
              list.resetPage();
            }}
            placeholder="Any role"
            options={ROLE_OPTIONS}
          />
        </div>
      </div>
      {members.error ? (
        <ErrorState error={members.error} />
      ) : (
        <DataTable
          label="Members"
          rows={members.data?.items}
          rowKey={(m) => m.userId}
          sort={{ key: list.sort, order: list.order, onSort: (k) => list.toggleSort(k as typeof list.sort) }}
          pagination={offsetPagination(list, members.data?.total, PAGE_SIZE, members.isFetching)}
          columns={[
            {
              header: "Person",
              sortKey: "email",
              cell: (m) => (
                <div>
                  <p className="font-medium text-slate-900">
                    {m.name ?? m.email}
                    {m.userId === me.user.id && <Badge className="ml-2">you</Badge>}
                    {m.suspended && <Badge className="ml-2">suspended</Badge>}
                  </p>
                  <p className="text-xs text-slate-500">{m.email}</p>
                </div>
              ),
            },
            {
              header: "Role",
              sortKey: "role",
              cell: (m) =>
                canWrite && m.userId !== me.user.id ? (
                  <div className="w-36">
                    <Select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={setRole.isPending && setRole.variables?.userId === m.userId}
                      onChange={(e) => setRole.mutate({ userId: m.userId, role: e.target.value as Role })}
                      options={ROLE_OPTIONS.map((o) => ({
                        ...o,
                        disabled: o.value === "owner" && me.role !== "owner",
                      }))}
                    />
                  </div>
                ) : (
                  <Badge tone="purple">{m.role}</Badge>
                ),
            },
            {
              header: "Teams",
              cell: (m) =>
                m.teams.length ? (
                  m.teams.map((t) => t.name).join(", ")
                ) : (
                  <span className="text-slate-400">—</span>
                ),
            },
            {
              header: "Joined",
              sortKey: "joinedAt",
              cell: (m) => <span title={dateTime(m.joinedAt)}>{timeAgo(m.joinedAt)}</span>,
            },
            {
              header: <span className="sr-only">Actions</span>,
              className: "text-right",
              cell: (m) =>
                canWrite && m.userId !== me.user.id ? (
                  <>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`${m.suspended ? "Lift suspension of" : "Suspend"} ${m.email}`}
                      disabled={suspend.isPending && suspend.variables?.userId === m.userId}
                      onClick={() => suspend.mutate({ userId: m.userId, suspended: !m.suspended })}
                    >
                      {m.suspended ? "Unsuspend" : "Suspend"}
                    </Button>
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-label={`Remove ${m.email}`}
                      onClick={() => {
                        remove.reset();
                        setRemoving({ userId: m.userId, email: m.email });
                      }}
                    >
                      Remove
                    </Button>
                  </>
                ) : null,
            },
          ]}
        />
      )}

      {(invitations.data?.length ?? 0) > 0 && (
        <section className="mt-8">
          <h2 className="mb-3 text-sm font-semibold text-slate-900">Open invitations</h2>
          <DataTable
            label="Open invitations"
            rows={invitations.data}
            rowKey={(i) => i.id}
            columns={[
              { header: "Email", cell: (i) => i.email },
              { header: "Role", cell: (i) => <Badge tone="purple">{i.role}</Badge> },
              {
                header: "Expires",
                cell: (i) => <span title={dateTime(i.expiresAt)}>{timeAgo(i.expiresAt)}</span>,
              },
            ]}
          />
        </section>
      )}

      <ConnectedClients />

      <InviteDialog open={inviting} onClose={() => setInviting(false)} />
      <ConfirmDialog
        open={removing !== null}
        onClose={() => setRemoving(null)}
        onConfirm={() => removing && remove.mutate({ userId: removing.userId })}
        title={`Remove ${removing?.email ?? ""}?`}
        message="They lose access to the console at their next request and leave all teams. They can come back only with a new invitation."
        confirmLabel="Remove member"
        danger
        loading={remove.isPending}
        error={remove.error ? errorMessage(remove.error) : null}
      />
    </>
  );
}
