import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { describe, expect, it } from "vitest";
import { compileDlpPolicies } from "./compile-dlp-policies";
import { scanArguments, scanJsonValue } from "./scan-payload";

const AWS = "AKIAQ7RZ4MXKD2VN5TPW";
const EMAIL = "marta.kowalski@northwind-trading.com";
const CARD = 4539578763621486;
const rules = (action: "redact" | "log") =>
  compileDlpPolicies([
    {
      id: "pol_1",
      orgId: "org_1",
      name: "all",
      kind: "dlp",
      priority: 1,
      scope: { teams: [], agents: [], servers: [], tools: [] },
      config: { detectors: "all", action },
    } satisfies SnapshotPolicy,
  ]).forCall({ orgId: "org_1", teamId: "t", agentId: "a", serverId: "s", toolId: "x", toolName: "s__x" })
    .arguments!;
const found = (args: Record<string, unknown>) =>
  scanArguments(rules("log"), args).findings.map((f) => `${f.detector} ${f.path}`);

describe("DLP survives evasion", () => {
  it("reads through zero-width, bidi and compatibility characters, redacting the original span", () => {
    const hidden = `key ${AWS.slice(0, 4)}\u200b${AWS.slice(4, 10)}\u202e${AWS.slice(10)} end`;
    const out = scanArguments(rules("redact"), { note: hidden });
    expect(out.findings.map((f) => f.detector)).toEqual(["aws-access-key"]);
    expect(out.output).toEqual({ note: "key [REDACTED:aws-access-key] end" });
    const fullwidth = [...EMAIL].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join("");
    expect(found({ to: `mail ${fullwidth}` })).toEqual(["email $.arguments.to"]);
  });

  it("scans member names without spelling them in paths, and renames them when redacting", () => {
    expect(found({ lookup: { [AWS]: { seen: EMAIL } } })).toEqual([
      'aws-access-key $.arguments.lookup["~key"]',
      'email $.arguments.lookup["~key"].seen',
    ]);
    const out = scanArguments(rules("redact"), { lookup: { [AWS]: 1, other: 2 } });
    expect(out.output).toEqual({ lookup: { "[REDACTED:aws-access-key]": 1, other: 2 } });
  });

  it("renames deeply nested keys and keeps two keys redacted alike apart", () => {
    let deep: Record<string, unknown> = { [AWS]: "x" };
    for (let i = 0; i < 20_000; i++) deep = { d: deep };
    const out = scanArguments(rules("redact"), deep).output as Record<string, unknown>;
    let node = out;
    for (let i = 0; i < 20_000; i++) node = node.d as Record<string, unknown>;
    expect(node).toEqual({ "[REDACTED:aws-access-key]": "x" });
    const twin = scanArguments(rules("redact"), { m: { [AWS]: 1, AKIAZ3MSJV4WWUZ7GHXQ: 2 } }).output;
    expect(twin).toEqual({ m: { "[REDACTED:aws-access-key]": 1, "[REDACTED:aws-access-key]#2": 2 } });
  });

  it("scans numbers", () => {
    expect(found({ card: CARD, n: [CARD] })).toEqual([
      "credit-card $.arguments.card",
      "credit-card $.arguments.n[0]",
    ]);
    expect(scanArguments(rules("redact"), { card: CARD }).output).toEqual({ card: "[REDACTED:credit-card]" });
  });

  it("decodes base64, base64url and percent-encoding, nested, and redacts the encoded run whole", () => {
    const b64 = btoa(`aws_access_key_id=${AWS} and more`);
    expect(found({ blob: b64, nested: btoa(b64) })).toEqual([
      "aws-access-key $.arguments.blob",
      "aws-access-key $.arguments.nested",
    ]);
    expect(found({ url: `https://t.example.org/?to=${encodeURIComponent(EMAIL)}&x=1` })).toEqual([
      "email $.arguments.url",
    ]);
    expect(scanArguments(rules("redact"), { d: `dump: ${b64} end` }).output).toEqual({
      d: "dump: [REDACTED:aws-access-key] end",
    });
  });

  it("keeps ordinary encoded and non-Latin text clean", () => {
    expect(
      found({
        doc: btoa("The quarterly report is attached; revenue grew in every region."),
        url: "https://docs.example.com/search?q=rate%20limit%20policy&page=2",
        text: "Family 👨‍👩‍👧 in Kraków, \u200fשלום\u200e, ＡＢＣ株式会社",
        ts: 1764547200000,
      }),
    ).toEqual([]);
  });

  it("scans an upstream error message and prompt messages the same way", () => {
    const out = scanJsonValue(rules("redact"), "result", "$.error", {
      message: `no such key ${btoa(AWS + " x")}`,
    });
    expect(out.findings.map((f) => `${f.detector} ${f.path}`)).toEqual(["aws-access-key $.error.message"]);
  });
});
