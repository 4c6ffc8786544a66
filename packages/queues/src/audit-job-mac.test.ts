import { describe, expect, it } from "vitest";
import { auditJobKey, signAuditJob, verifyAuditJob } from "./audit-job-mac";

// The sink signs from the events' JSON it already made; the worker verifies from the
// parsed job data. Both must be the MAC of the same text.
describe("audit job MAC from pre-encoded events", () => {
  it("is the MAC of the events themselves", () => {
    const key = auditJobKey("test-secret-for-the-audit-job-mac-0123456789");
    const events = [
      { id: "a", text: 'quote " and \u2028 and é', n: 1.5, nested: { list: [1, null, true] } },
      { id: "b", arguments: null },
    ];
    for (const sink of ["sink-1", undefined]) {
      const body = { events, sink };
      const lines = events.map((event) => JSON.stringify(event));
      const mac = signAuditJob(key, body, lines);
      expect(mac).toBe(signAuditJob(key, body));
      expect(verifyAuditJob(key, JSON.parse(JSON.stringify(body)), mac)).toBe(true);
    }
    expect(signAuditJob(key, { events, sink: "s" }, [])).not.toBe(signAuditJob(key, { events, sink: "s" }));
  });
});
