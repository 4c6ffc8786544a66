/**
 * Roles and what they may do. Permissions are `resource.action` strings; every console
 * procedure names exactly one, and roles map to sets of them here and nowhere else.
 */
export const ROLES = ["owner", "admin", "approver", "auditor", "member"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "overview.read",
  "servers.read",
  "servers.write",
  "tools.read",
  "tools.write",
  "teams.read",
  "teams.write",
  "members.read",
  "members.write",
  "agents.read",
  "agents.write",
  "keys.write",
  "grants.read",
  "grants.write",
  "policies.read",
  "policies.write",
  "approvals.read",
  "approvals.decide",
  "audit.read",
  "config.read",
  "org.write",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_ALL: Permission[] = [
  "overview.read",
  "servers.read",
  "tools.read",
  "teams.read",
  "members.read",
  "agents.read",
  "grants.read",
  "policies.read",
  "approvals.read",
  "audit.read",
  "config.read",
];

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS.filter((p) => p !== "org.write")),
  approver: new Set<Permission>([...READ_ALL, "approvals.decide"]),
  auditor: new Set<Permission>(READ_ALL),
  member: new Set<Permission>([
    "overview.read",
    "servers.read",
    "tools.read",
    "teams.read",
    "agents.read",
    "grants.read",
  ]),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...ROLE_PERMISSIONS[role]];
}
