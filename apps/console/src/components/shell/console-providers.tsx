"use client";

import type { ReactNode } from "react";
import { TRPCReactProvider } from "../../trpc/react";
import { ToastProvider } from "../ui/toast";
import { type Me, MeProvider } from "./me-context";

export function ConsoleProviders({ me, children }: { me: Me; children: ReactNode }) {
  return (
    <MeProvider me={me}>
      <TRPCReactProvider>
        <ToastProvider>{children}</ToastProvider>
      </TRPCReactProvider>
    </MeProvider>
  );
}
