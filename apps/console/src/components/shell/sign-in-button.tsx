"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { Button } from "../ui/button";

/**
 * Starts the OpenID Connect sign-in. After an explicit sign-out or a refusal, ask the
 * provider to show its login form again (prompt=login) so another account can be used.
 */
export function SignInButton({
  providerName,
  callbackUrl,
  forceLogin,
}: {
  providerName: string;
  callbackUrl: string;
  forceLogin: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const start = (prompt?: "login") => {
    setBusy(true);
    void signIn("oidc", { callbackUrl }, prompt ? { prompt } : undefined);
  };
  return (
    <div className="space-y-2">
      <Button className="w-full" loading={busy} onClick={() => start(forceLogin ? "login" : undefined)}>
        Sign in with {providerName}
      </Button>
      {!forceLogin && (
        <button
          type="button"
          onClick={() => start("login")}
          className="block w-full text-center text-xs text-indigo-700 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600"
        >
          Use a different account
        </button>
      )}
    </div>
  );
}
