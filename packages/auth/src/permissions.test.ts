import { describe, expect, it } from "vitest";
import { can, PERMISSIONS, ROLES } from "./permissions";

describe("role permissions", () => {
  it("gives the owner everything and nobody else org.write", () => {
    for (const p of PERMISSIONS) expect(can("owner", p)).toBe(true);
    for (const r of ROLES.filter((r) => r !== "owner")) expect(can(r, "org.write")).toBe(false);
  });

  it("keeps auditors and approvers read-only except deciding approvals", () => {
    expect(can("auditor", "audit.read")).toBe(true);
    expect(can("auditor", "grants.write")).toBe(false);
    expect(can("auditor", "approvals.decide")).toBe(false);
    expect(can("approver", "approvals.decide")).toBe(true);
    expect(can("approver", "servers.write")).toBe(false);
  });

  it("lets every reading role see policies and only owners and admins change them", () => {
    for (const r of ["owner", "admin", "approver", "auditor"] as const)
      expect(can(r, "policies.read")).toBe(true);
    expect(can("member", "policies.read")).toBe(false);
    expect(can("owner", "policies.write")).toBe(true);
    expect(can("admin", "policies.write")).toBe(true);
    for (const r of ["approver", "auditor", "member"] as const) expect(can(r, "policies.write")).toBe(false);
  });

  it("does not let members read the audit log or write anything", () => {
    expect(can("member", "audit.read")).toBe(false);
    for (const p of PERMISSIONS.filter((p) => p.endsWith(".write") || p.endsWith(".decide"))) {
      expect(can("member", p)).toBe(false);
    }
  });
});
