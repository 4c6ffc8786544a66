import { findInvitation } from "@portcullis/control/identity/find-invitation";
import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInButton } from "@/components/shell/sign-in-button";
import { env } from "@/env";
import { safeCallbackPath } from "@/lib/safe-callback";
import { db } from "@/server/db";
import { currentMember } from "@/server/session";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

function one(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorText(
  code: string | undefined,
  email: string | undefined,
  provider: string,
): string | undefined {
  switch (code) {
    case undefined:
      return undefined;
    case "NotMember":
      return `${email || "This account"} is not a member of this Portcullis installation. Ask an admin for an invitation, then sign in again.`;
    case "InvitationInvalid":
      return "This invitation link is unknown, expired or already used. Ask an admin for a new one.";
    case "InvitationUnverified":
      return `Your identity provider has not verified ${email || "your email address"}. An invitation needs a verified email; verify it there, then open the invitation link again.`;
    case "InvitationEmail":
      return `This invitation is for another email address than ${email || "yours"}. Open the link again and sign in with the invited account.`;
    case "IdentityTaken":
      return `${email || "This email"} is linked to another sign-in identity here. Sign in with that identity, or ask an admin.`;
    case "Removed":
      return "Your account no longer belongs to this organization. Ask an admin for an invitation to get access again.";
    case "SessionRequired":
      return "Please sign in to continue.";
    case "AccessDenied":
      return "Access was denied.";
    default:
      return `Signing in with ${provider} did not work (${code}). Try again; if it keeps failing, ask an admin to check the SSO settings.`;
  }
}

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(one(params.callbackUrl));
  const error = one(params.error);
  const session = await currentMember();
  if (session.state === "member" && !error) redirect(callbackUrl);

  const provider = env().OIDC_PROVIDER_NAME;
  const message = errorText(error, one(params.email), provider);
  const inviteToken = one(params.invite);
  const invitation = inviteToken ? await findInvitation(db(), inviteToken) : undefined;
  const signedOut = one(params.signedOut) === "1";

  return (
    <main className="grid min-h-screen place-items-center px-4">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-8 shadow-sm">
        <div className="mb-6 flex items-center gap-2">
          <span
            aria-hidden="true"
            className="grid size-8 place-items-center rounded-md bg-indigo-600 font-bold text-white"
          >
            P
          </span>
          <h1 className="text-lg font-semibold">Sign in to Portcullis</h1>
        </div>
        {signedOut && !message && (
          <p role="status" className="mb-4 rounded-md bg-slate-100 px-3 py-2 text-sm text-slate-700">
            You are signed out.
          </p>
        )}
        {message && (
          <p role="alert" className="mb-4 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {message}
          </p>
        )}
        {invitation?.state === "open" && (
          <p className="mb-4 rounded-md bg-indigo-50 px-3 py-2 text-sm text-indigo-900">
            You are invited to join <strong>{invitation.orgName}</strong> as{" "}
            <strong>{invitation.role}</strong>. Sign in with <strong>{invitation.email}</strong> to accept.
          </p>
        )}
        {invitation && invitation.state !== "open" && (
          <p className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
            This invitation has{" "}
            {invitation.state === "expired" ? "expired; ask for a new one" : "already been accepted"}.
          </p>
        )}
        <SignInButton
          providerName={provider}
          callbackUrl={callbackUrl}
          forceLogin={signedOut || Boolean(message)}
        />
        <p className="mt-4 text-center text-xs text-slate-500">
          Single sign-on through your organization&apos;s identity provider.
        </p>
      </div>
    </main>
  );
}
