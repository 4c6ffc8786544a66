import type { Metadata } from "next";
import type { ReactNode } from "react";
import "./globals.css";

// Every page carries a per-request CSP nonce (see src/proxy.ts) that Next.js stamps on its
// scripts while rendering: a prerendered page would ship scripts without it, blocked.
export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "Portcullis", template: "%s · Portcullis" },
  description: "MCP gateway console",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
