import { describe, expect, it } from "vitest";
import { webhookDestinations } from "./notify-approval-webhook";

// Which teams' webhooks hear of a request (the delivery itself is exercised end to end in
// apps/gateway/src/approvals.test.ts and person-governance.test.ts).
describe("webhookDestinations", () => {
  it("every team with a webhook, in the request's order; teams without one are skipped", () => {
    expect(
      webhookDestinations([
        { teamId: "team_a", url: "https://hooks.example.com/a" },
        { teamId: "team_b", url: null },
        { teamId: "team_c", url: "https://hooks.example.com/c" },
      ]),
    ).toEqual(["team_a", "team_c"]);
  });

  it("a URL two teams share is posted to once, by the first of them", () => {
    expect(
      webhookDestinations([
        { teamId: "team_a", url: "https://hooks.example.com/shared" },
        { teamId: "team_b", url: "https://hooks.example.com/b" },
        { teamId: "team_c", url: "https://hooks.example.com/shared" },
      ]),
    ).toEqual(["team_a", "team_b"]);
  });

  it("a webhook that does not open is its own destination, so its failure is recorded", () => {
    const sealed = new Error("the webhook URL for hooks.example.com does not open");
    expect(
      webhookDestinations([
        { teamId: "team_a", url: sealed },
        { teamId: "team_b", url: sealed },
        { teamId: "team_c", url: "https://hooks.example.com/c" },
      ]),
    ).toEqual(["team_a", "team_b", "team_c"]);
  });
});
