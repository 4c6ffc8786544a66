import type { Permission } from "@portcullis/auth/permissions";

export interface NavItem {
  href: string;
  label: string;
  /** Shown only to roles with this permission; the page itself checks it again. */
  permission: Permission;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: "/", label: "Overview", permission: "overview.read" },
  { href: "/servers", label: "Servers", permission: "servers.read" },
  { href: "/portals", label: "Portals", permission: "servers.read" },
  { href: "/review", label: "Tool review", permission: "tools.read" },
  { href: "/agents", label: "Agents", permission: "agents.read" },
  { href: "/grants", label: "Grants", permission: "grants.read" },
  { href: "/policies", label: "Policies", permission: "policies.read" },
  { href: "/approvals", label: "Approvals", permission: "approvals.read" },
  { href: "/teams", label: "Teams", permission: "teams.read" },
  { href: "/members", label: "Members", permission: "members.read" },
  { href: "/oauth", label: "MCP sign-in", permission: "config.read" },
  { href: "/history", label: "History", permission: "config.read" },
  { href: "/dashboard", label: "Dashboard", permission: "audit.read" },
  { href: "/audit", label: "Audit log", permission: "audit.read" },
];
