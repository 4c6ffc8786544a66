import { ROLES, type Role } from "@portcullis/auth/permissions";
import { describe, expect, it } from "vitest";
import { mayDecideApproval } from "./may-decide-approval";

// The rule, role by role (the API and gateway tests exercise it end to end).
const payments = { id: "team_payments", name: "payments" };
const me = (role: Role) => ({ userId: "usr_me", role });
const inPayments = new Set([payments.id]);
const nowhere = new Set<string>();

describe("mayDecideApproval", () => {
  it("owners and admins decide any team's request, and requests with no team", () => {
    for (const role of ["owner", "admin"] as const) {
      expect(mayDecideApproval(me(role), nowhere, { teams: [payments], requesterId: null })).toEqual({
        allowed: true,
      });
      expect(mayDecideApproval(me(role), nowhere, { teams: [], requesterId: "usr_x" }).allowed).toBe(true);
    }
  });

  it("an approver decides only the requests of a team they are a member of", () => {
    expect(mayDecideApproval(me("approver"), inPayments, { teams: [payments], requesterId: null })).toEqual({
      allowed: true,
    });
    expect(mayDecideApproval(me("approver"), nowhere, { teams: [payments], requesterId: null })).toEqual({
      allowed: false,
      reason: "not_team_approver",
      message:
        "not allowed: you are not an approver of team 'payments': only its members with the approver role, owners and admins can decide its requests",
    });
    expect(mayDecideApproval(me("approver"), inPayments, { teams: [], requesterId: null })).toMatchObject({
      allowed: false,
      reason: "no_team",
    });
  });

  it("an approver of any one of a person's granting teams decides their request", () => {
    const data = { id: "team_data", name: "data" };
    const request = { teams: [payments, data], requesterId: "usr_dana" };
    expect(mayDecideApproval(me("approver"), new Set([data.id]), request)).toEqual({ allowed: true });
    expect(mayDecideApproval(me("approver"), new Set(["team_other"]), request)).toMatchObject({
      allowed: false,
      reason: "not_team_approver",
      message: expect.stringContaining("team 'payments' or 'data'"),
    });
  });

  it("auditors and members never decide, team or not", () => {
    for (const role of ["auditor", "member"] as const) {
      expect(mayDecideApproval(me(role), inPayments, { teams: [payments], requesterId: null })).toMatchObject(
        {
          allowed: false,
          reason: "role",
        },
      );
    }
  });

  it("nobody decides a request made on their own behalf", () => {
    for (const role of ROLES.filter((r) => r !== "auditor" && r !== "member")) {
      expect(
        mayDecideApproval(me(role), inPayments, { teams: [payments], requesterId: "usr_me" }),
      ).toMatchObject({ allowed: false, reason: "own_request" });
    }
  });
});
