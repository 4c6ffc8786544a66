import { describe, expect, it } from "vitest";
import { unavailableToolReason } from "./tool-availability";

describe("unavailableToolReason", () => {
  it("names the review a quarantined tool waits for, and says when it is a new tool", () => {
    expect(unavailableToolReason({ exposedName: "fs__purge", status: "quarantined", newTool: true })).toBe(
      "tool 'fs__purge' is quarantined: its server added it after the first sync, and it waits for an administrator to approve it (console: Review)",
    );
    expect(unavailableToolReason({ exposedName: "fs__echo", status: "quarantined" })).toBe(
      "tool 'fs__echo' is quarantined until an administrator reviews its definition (console: Review)",
    );
    expect(unavailableToolReason({ exposedName: "fs__echo", status: "disabled" })).toBe(
      "tool 'fs__echo' is disabled",
    );
  });
});
