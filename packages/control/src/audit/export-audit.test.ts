import type { AuditEvent } from "@portcullis/contracts/audit";
import { newId } from "@portcullis/contracts/ids";
import { createTestDatabase, type TestDatabase } from "@portcullis/testkit/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditExportFileName, exportAuditEvents } from "./export-audit";
import { getAuditEvent } from "./get-audit-event";
import { ingestAuditEvents } from "./ingest-audit-events";

let database: TestDatabase;
const org = newId("organization");
const otherOrg = newId("organization");
const bulkOrg = newId("organization");
const t0 = Date.parse("2026-04-01T10:00:00.000Z");

function event(orgId: string, minute: number, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id: newId("auditEvent"),
    orgId,
    occurredAt: new Date(t0 + minute * 60_000).toISOString(),
    requestId: newId("request"),
    method: "tools/call",
    agentId: "agt_1",
    agentName: "ci-bot",
    teamId: null,
    userId: null,
    serverId: "srv_1",
    serverName: "notes",
    toolName: "notes__write",
    decision: "allowed",
    reason: null,
    errorCode: null,
    arguments: { text: "plain" },
    resultSummary: "ok",
    isError: false,
    latencyMs: 4.5,
    upstreamLatencyMs: 3.25,
    upstreamStatus: "ok",
    protocolVersion: "2026-07-28",
    snapshotVersion: 2,
    ...overrides,
  };
}

/** Text a naive CSV writer would break, and a formula a spreadsheet would run. */
const awkward = event(org, 2, {
  arguments: { text: 'say "hi", then\nleave', n: 1 },
  resultSummary: '=HYPERLINK("http://evil.example","click")',
  reason: 'comma, quote " and\r\nCRLF',
  dlp: [{ detector: "email", direction: "arguments", path: "$.text", action: "redact", policyId: null }],
});
const plain = event(org, 1);
const foreign = event(otherOrg, 3);
const bulk = Array.from({ length: 1_234 }, (_, i) => event(bulkOrg, i % 400, { arguments: { i } }));

beforeAll(async () => {
  database = await createTestDatabase({ name: "audit_export" });
  for (const id of [org, otherOrg, bulkOrg]) {
    await database.db.organization.create({ data: { id, name: id, slug: id } });
  }
  await ingestAuditEvents(database.db, [plain, awkward, foreign]);
  for (let i = 0; i < bulk.length; i += 300) await ingestAuditEvents(database.db, bulk.slice(i, i + 300));
});

afterAll(async () => {
  await database?.drop();
});

async function collect(chunks: AsyncIterable<string>): Promise<{ text: string; chunks: number }> {
  let text = "";
  let count = 0;
  for await (const chunk of chunks) {
    text += chunk;
    count++;
  }
  return { text, chunks: count };
}

/** A small RFC 4180 reader, to check the export the way a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i++;
    } else field += c;
  }
  expect(field).toBe(""); // the last record ended with CRLF
  return records;
}

describe("exportAuditEvents", () => {
  it("writes CSV with a header, quoting and escaping what needs it, newest first", async () => {
    const { text } = await collect(exportAuditEvents(database.db, { orgId: org }, {}, "csv"));
    const [header, ...rows] = parseCsv(text);
    const column = (name: string) => header!.indexOf(name);

    expect(header).toContain("arguments");
    expect(rows.map((r) => r[column("id")])).toEqual([awkward.id, plain.id]);
    const row = rows[0]!;
    expect(row).toHaveLength(header!.length);
    expect(JSON.parse(row[column("arguments")]!)).toEqual({ text: 'say "hi", then\nleave', n: 1 });
    expect(row[column("reason")]).toBe('comma, quote " and\r\nCRLF');
    // A formula is defused with a leading apostrophe, the rest kept as recorded.
    expect(row[column("result_summary")]).toBe('\'=HYPERLINK("http://evil.example","click")');
    expect(row[column("dlp_detectors")]).toBe("email");
    expect(row[column("latency_ms")]).toBe("4.5");
    expect(row[column("occurred_at")]).toBe(awkward.occurredAt);
    expect(row[column("hash")]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("writes JSON Lines, one complete event per line", async () => {
    const { text } = await collect(exportAuditEvents(database.db, { orgId: org }, {}, "jsonl"));
    const lines = text.split("\n");

    expect(lines.pop()).toBe("");
    const events = lines.map((line) => JSON.parse(line));
    const stored = await getAuditEvent(database.db, org, awkward.id);
    expect(events[0]).toEqual(JSON.parse(JSON.stringify(stored)));
    expect(events.map((e) => e.id)).toEqual([awkward.id, plain.id]);
  });

  it("exports only the filter's events, and only the organization's", async () => {
    const { text } = await collect(
      exportAuditEvents(database.db, { orgId: org }, { detector: "email" }, "jsonl"),
    );
    expect(
      text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id),
    ).toEqual([awkward.id]);

    const all = await collect(exportAuditEvents(database.db, { orgId: org }, {}, "csv"));
    expect(all.text).not.toContain(foreign.id);
  });

  it("streams many events a page at a time, each exactly once", async () => {
    const { text, chunks } = await collect(exportAuditEvents(database.db, { orgId: bulkOrg }, {}, "jsonl"));
    const exported = text
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string; occurredAt: string });

    expect(chunks).toBe(3); // 1,234 events in pages of 500
    expect(exported).toHaveLength(bulk.length);
    expect(new Set(exported.map((e) => e.id))).toEqual(new Set(bulk.map((e) => e.id)));
    const times = exported.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("writes only the header when nothing matches", async () => {
    const { text } = await collect(
      exportAuditEvents(database.db, { orgId: org }, { q: "nothing-like-this" }, "csv"),
    );
    expect(parseCsv(text)).toHaveLength(1);
  });
});

describe("auditExportFileName", () => {
  it("names the download after the format and the time, without characters file systems refuse", () => {
    expect(auditExportFileName("csv", new Date("2026-11-24T10:15:00.123Z"))).toBe(
      "audit-2026-11-24T10-15-00Z.csv",
    );
  });
});
