import { describe, expect, it } from "vitest";
import { expiryFrom } from "../components/agents/expiry";
import { emailProblem, nameProblem } from "./validation";

describe("form validation shown next to fields", () => {
  it("accepts the names `portcullis apply` accepts, and explains the others", () => {
    expect(nameProblem("ci-bot")).toBeUndefined();
    expect(nameProblem("")).toBe("Enter a name");
    expect(nameProblem("CI Bot")).toMatch(/lowercase letters, digits and dashes/);
    expect(nameProblem("a__b")).toMatch(/__/);
  });

  it("asks for a real email address", () => {
    expect(emailProblem("ada@example.com")).toBeUndefined();
    expect(emailProblem(" ")).toBe("Enter an email address");
    expect(emailProblem("ada@")).toMatch(/valid email/);
  });

  it("turns an expiry choice into a date, refusing the past", () => {
    const now = new Date("2026-11-24T12:00:00Z");
    expect(expiryFrom("never", "", now)).toEqual({});
    expect(expiryFrom("30", "", now).expiresAt?.toISOString()).toBe("2026-12-24T12:00:00.000Z");
    expect(expiryFrom("custom", "", now).problem).toBe("Choose a date");
    expect(expiryFrom("custom", "2020-01-01", now).problem).toBe("Choose a date in the future");
    expect(expiryFrom("custom", "2027-01-31", now).expiresAt?.getFullYear()).toBe(2027);
  });
});
