"use client";

import { signOut } from "next-auth/react";
import { useState } from "react";
import { Button } from "../ui/button";

/** Ends the console session and returns to the login page. */
export function SignOutButton({ className }: { className?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button
      variant="secondary"
      size="sm"
      className={className}
      loading={busy}
      onClick={() => {
        setBusy(true);
        void signOut({ callbackUrl: "/login?signedOut=1" });
      }}
    >
      Sign out
    </Button>
  );
}
