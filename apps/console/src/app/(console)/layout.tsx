import type { ReactNode } from "react";
import { AuditIntegrityBanner } from "@/components/audit/integrity-banner";
import { ConsoleProviders } from "@/components/shell/console-providers";
import { Sidebar } from "@/components/shell/sidebar";
import { requireMember } from "@/server/guard";

// Every console page depends on who is signed in: never prerender.
export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const member = await requireMember();
  return (
    <ConsoleProviders me={member}>
      <div className="flex min-h-screen">
        <a
          href="#main"
          className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <Sidebar />
        <main id="main" className="min-w-0 flex-1 px-8 py-6">
          <AuditIntegrityBanner />
          {children}
        </main>
      </div>
    </ConsoleProviders>
  );
}
