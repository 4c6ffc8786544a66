import { ROLES, type Role } from "@portcullis/auth/permissions";

export const ROLE_HELP: Record<Role, string> = {
  owner: "everything, including organization settings",
  admin: "configure servers, grants, agents, keys and members",
  approver: "read everything and decide approval requests",
  auditor: "read everything, change nothing",
  member: "see servers, tools, teams, agents and grants",
};

export const ROLE_OPTIONS = ROLES.map((role) => ({ value: role, label: role }));
