"use client";

import { signOut } from "next-auth/react";
import { useEffect } from "react";
import { Spinner } from "../ui/spinner";

export function SignOutNow() {
  useEffect(() => {
    void signOut({ callbackUrl: "/login?signedOut=1" });
  }, []);
  return <Spinner label="Signing out…" />;
}
