import type { Metadata } from "next";
import { OAuthSettingsView } from "@/components/oauth/oauth-settings-view";
import { requirePermission } from "@/server/guard";

export const metadata: Metadata = { title: "Sign-in for MCP clients" };

export default async function OAuthPage() {
  await requirePermission("config.read", "/oauth");
  return <OAuthSettingsView />;
}
