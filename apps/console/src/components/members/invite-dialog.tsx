"use client";

import type { Role } from "@portcullis/auth/permissions";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { emailProblem } from "@/lib/validation";
import { useTRPC } from "@/trpc/react";
import { useMe } from "../shell/me-context";
import { Button } from "../ui/button";
import { CopyButton } from "../ui/copy-button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select } from "../ui/input";
import { ROLE_HELP, ROLE_OPTIONS } from "./roles";

/** Invite by email; the accept URL is shown once, to hand to the invitee. */
export function InviteDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const invite = useMutation(
    trpc.members.invite.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.members.invitations.queryKey() }),
      onError: (error) => setErrors({ form: errorMessage(error), ...fieldErrors(error) }),
    }),
  );
  const close = () => {
    setEmail("");
    setRole("member");
    setErrors({});
    invite.reset();
    onClose();
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = emailProblem(email);
    if (problem) return setErrors({ email: problem });
    setErrors({});
    invite.mutate({ email: email.trim(), role });
  };

  if (invite.data) {
    return (
      <Dialog
        open={open}
        onClose={close}
        title="Invitation created"
        description={`Send this link to ${email.trim()}. They join as ${role} by opening it and signing in with that email, verified by your SSO provider; knowing the address is not enough. It works once and expires on ${invite.data.expiresAt.toLocaleDateString()}.`}
        footer={<Button onClick={close}>Done</Button>}
      >
        <div className="flex items-center gap-2">
          <code
            data-testid="accept-url"
            className="flex-1 truncate rounded-md bg-slate-100 px-3 py-2 text-xs"
          >
            {invite.data.acceptUrl}
          </code>
          <CopyButton value={invite.data.acceptUrl} label="Copy link" />
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Invite a member"
      description="You get a single-use link for them; they open it and sign in through your SSO provider with this email address."
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          <Button type="submit" form="invite-member" loading={invite.isPending}>
            Create invitation
          </Button>
        </>
      }
    >
      <form id="invite-member" onSubmit={submit} noValidate className="space-y-4">
        <Field label="Email" required error={errors.email}>
          <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </Field>
        <Field label="Role" error={errors.role} hint={ROLE_HELP[role]}>
          <Select
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            options={ROLE_OPTIONS.map((o) => ({
              ...o,
              disabled: o.value === "owner" && me.role !== "owner",
            }))}
          />
        </Field>
        {errors.form && !errors.email && (
          <p role="alert" className="text-sm text-red-700">
            {errors.form}
          </p>
        )}
      </form>
    </Dialog>
  );
}
