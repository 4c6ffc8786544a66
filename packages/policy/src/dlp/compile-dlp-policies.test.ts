import type { SnapshotPerson } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { scopedCall } from "../policy-scope";
import { personSubject } from "../policy-subject";
import { fixtureAgent, fixturePolicy, fixtureServer, fixtureTool } from "../testing/snapshot-fixtures";
import { compileDlpPolicies } from "./compile-dlp-policies";

const server = fixtureServer("alpha");
const echo = fixtureTool(server, "echo");
const other = fixtureTool(server, "other");
const person: SnapshotPerson = {
  id: "usr_dana",
  orgId: fixtureAgent.orgId,
  email: "dana@example.com",
  name: "Dana",
  teamIds: ["team_b"],
  status: "active",
};

// forTool is the gateway's per-call lookup: it must answer exactly what forCall decides.
describe("CompiledDlpPolicies.forTool", () => {
  const compiled = compileDlpPolicies([
    fixturePolicy(
      { detectors: ["email"], action: "block", direction: "arguments" },
      { kind: "dlp", scope: { teams: [], agents: [], servers: [], tools: [echo.id], users: [person.id] } },
    ),
    fixturePolicy(
      { detectors: ["email"], action: "redact", direction: "results" },
      { kind: "dlp", scope: { teams: [], agents: [fixtureAgent.id], servers: [], tools: [], users: [] } },
    ),
  ]);
  const subject = personSubject(person);

  it("gives forCall's rules for every subject, tool and person, asked in any order", () => {
    const cases = [
      [fixtureAgent, echo, null],
      [fixtureAgent, other, null],
      [subject, echo, person.id],
      [subject, other, person.id],
      [subject, echo, null],
      [fixtureAgent, echo, person.id],
    ] as const;
    for (let round = 0; round < 2; round++) {
      for (const [who, tool, personId] of cases) {
        expect(compiled.forTool(who, server, tool, personId)).toEqual(
          compiled.forCall(scopedCall(who, server, tool, personId)),
        );
      }
    }
  });

  it("keeps a person's rules apart from the same subject's without the person", () => {
    expect(compiled.forTool(subject, server, echo, person.id).arguments).not.toBeNull();
    expect(compiled.forTool(subject, server, echo, null).arguments).toBeNull();
    expect(compiled.forTool(fixtureAgent, server, echo, null).results).not.toBeNull();
    expect(compiled.forTool(fixtureAgent, server, other, null).arguments).toBeNull();
  });
});
