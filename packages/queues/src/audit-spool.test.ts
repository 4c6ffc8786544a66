import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditSpool } from "./audit-spool";
import { silentLogger } from "./logger";

let root: string;
let dir: string;
let spool: AuditSpool;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pc-spool-unit-"));
  dir = join(root, "spool"); // created by the spool itself
  spool = new AuditSpool({ dir, staleAfterMs: 60_000, logger: silentLogger });
});

afterEach(async () => {
  await spool.close();
  await rm(root, { recursive: true, force: true });
});

/** A send that delivers into `sink`, failing on the calls listed in `failOn` (1-based). */
function sender(sink: AuditEvent[][], failOn: number[] = []) {
  let calls = 0;
  return async (batch: AuditEvent[]): Promise<boolean> => {
    calls += 1;
    if (failOn.includes(calls)) return false;
    sink.push(batch);
    return true;
  };
}

function auditEvent(argumentsValue: unknown = { q: "x" }): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId: null,
    occurredAt: new Date().toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: null,
    agentName: null,
    teamId: null,
    userId: null,
    serverId: null,
    serverName: null,
    toolName: "search",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: argumentsValue,
    resultSummary: null,
    isError: false,
    latencyMs: 1,
    upstreamLatencyMs: null,
    upstreamStatus: null,
    protocolVersion: null,
    snapshotVersion: null,
  };
}

const ids = (events: AuditEvent[]) => events.map((e) => e.id);

describe("AuditSpool", () => {
  it("keeps exactly the unsent rest of a file when a send fails, and finishes it later", async () => {
    const events = Array.from({ length: 25 }, () => auditEvent());
    await spool.append(events.slice(0, 12).map((e) => JSON.stringify(e)));
    await spool.append(["{corrupt", ...events.slice(12).map((e) => JSON.stringify(e))]);
    await spool.seal();
    const [file] = await spool.claimPending();

    const sent: AuditEvent[][] = [];
    const first = await spool.replayFile(file!, 10, sender(sent, [2]));

    expect(first.done).toBe(false);
    expect(ids(sent.flat())).toEqual(ids(events.slice(0, 10)));

    const second = await spool.replayFile(file!, 10, sender(sent));

    expect(second).toEqual({ done: true, bad: 1 });
    expect(ids(sent.flat())).toEqual(ids(events));
    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith(".jsonl"))).toEqual([]);
    // The corrupt line sat in the batch that failed: kept once, not once per attempt.
    const bad = await readFile(join(dir, names.find((n) => n.endsWith(".bad"))!), "utf8");
    expect(bad).toBe("{corrupt\n");
  });

  it("reads lines longer than a read chunk and survives bytes that are not UTF-8", async () => {
    const big = auditEvent({ blob: "é".repeat(100_000) });
    const small = auditEvent();
    await spool.append([JSON.stringify(big)]);
    await spool.seal();
    const [file] = await spool.claimPending();
    await writeFile(join(dir, file!.name), Buffer.from([0xff, 0xfe, 0x0a]), { flag: "a" });
    await writeFile(join(dir, file!.name), `${JSON.stringify(small)}\n`, { flag: "a" });

    const sent: AuditEvent[][] = [];
    const result = await spool.replayFile(file!, 1, sender(sent, [2]));

    expect(result.done).toBe(false);
    expect(ids(sent.flat())).toEqual([big.id]);
    // The rest starts exactly at the garbage line, so the next pass sends `small` whole.
    const rest = await readFile(join(dir, file!.name));
    expect(rest.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xfe, 0x0a]));
    const again = await spool.replayFile(file!, 1, sender(sent));
    expect(again).toEqual({ done: true, bad: 1 });
    expect(ids(sent.flat())).toEqual([big.id, small.id]);
  });

  it("keeps spooled events private to the gateway's user", async () => {
    await spool.append([JSON.stringify(auditEvent())]);
    await spool.seal();
    const [file] = await spool.claimPending();

    expect((await stat(join(dir, file!.name))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });
});
