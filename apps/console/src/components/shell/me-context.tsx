"use client";

import { can, type Permission, type Role } from "@portcullis/auth/permissions";
import { createContext, type ReactNode, useContext } from "react";

export interface Me {
  user: { id: string; email: string; name: string | null };
  org: { id: string; name: string; slug: string };
  role: Role;
}

const MeContext = createContext<Me | null>(null);

/** Provided by the (console) layout from the server-side session (read fresh per request). */
export function MeProvider({ me, children }: { me: Me; children: ReactNode }) {
  return <MeContext.Provider value={me}>{children}</MeContext.Provider>;
}

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error("useMe needs the (console) layout's <MeProvider>");
  return me;
}

/**
 * Whether the signed-in user's role has a permission: hide controls with it. The server
 * checks again on every procedure; this only keeps the UI from offering what would fail.
 */
export function useCan(permission: Permission): boolean {
  return can(useMe().role, permission);
}
