import { describe, expect, it } from "vitest";
import { ALL_BUILTIN_DETECTORS, BUILTIN_DETECTORS, customDetector } from "./detectors";
import { DLP_CHUNK_CHARS, DLP_CHUNK_OVERLAP, findMatches } from "./find-matches";

const AWS = "AKIAZ3MSJV4WWUZ7GHXQ";
const GITHUB = "ghp_aBcD1234eFgH5678iJkL9012mNoP3456qRsT";
const found = (text: string, fieldName?: string) =>
  findMatches(text, ALL_BUILTIN_DETECTORS, fieldName).map(
    (m) => `${m.detector.id}:${text.slice(m.start, m.end)}`,
  );

describe("findMatches", () => {
  it("scans a field larger than the chunk size all the way: secrets at the start, on every chunk boundary and at the end", () => {
    const filler = "lorem ipsum dolor sit amet ".repeat(Math.ceil((DLP_CHUNK_CHARS * 3) / 27));
    const step = DLP_CHUNK_CHARS - DLP_CHUNK_OVERLAP;
    const positions = [
      0,
      step - 10,
      step + DLP_CHUNK_OVERLAP - 10,
      2 * step - 5,
      2 * step + DLP_CHUNK_OVERLAP - 3,
    ];
    let text = filler;
    for (const at of [...positions].reverse()) text = `${text.slice(0, at)} ${AWS} ${text.slice(at)}`;
    text += ` ${GITHUB}`;
    expect(text.length).toBeGreaterThan(3 * DLP_CHUNK_CHARS);
    const matches = findMatches(text, ALL_BUILTIN_DETECTORS);
    expect(matches.filter((m) => m.detector.id === "aws-access-key")).toHaveLength(positions.length);
    expect(
      matches.every((m) => text.slice(m.start, m.end) === (m.detector.id === "github-token" ? GITHUB : AWS)),
    ).toBe(true);
    expect(matches.at(-1)?.detector.id).toBe("github-token");
  });

  it("finds an email whose @ falls just after a chunk boundary whole, once", () => {
    const step = DLP_CHUNK_CHARS - DLP_CHUNK_OVERLAP;
    const local = "max.mustermann.long.local.part";
    const text = `${"x ".repeat(step / 2 - 10)}${local}@acme-corp.io ${"y ".repeat(DLP_CHUNK_CHARS)}`;
    expect(text.indexOf("@")).toBeGreaterThan(step);
    expect(text.indexOf(local)).toBeLessThan(step);
    expect(found(text)).toEqual([`email:${local}@acme-corp.io`]);
  });

  it("finds a private key block longer than a chunk whole", () => {
    const body = Array.from(
      { length: 1500 },
      (_, i) => `MII${String(i).padStart(4, "0")}${"AbCd".repeat(14)}x`,
    ).join("\n");
    const block = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(block.length).toBeGreaterThan(DLP_CHUNK_CHARS);
    const text = `key:\n${block}\ndone`;
    const m = findMatches(text, [BUILTIN_DETECTORS["private-key"]]);
    expect(m.map((x) => text.slice(x.start, x.end))).toEqual([block]);
  });

  it("treats everything after a private key header as key material when the END line is missing", () => {
    const text = `-----BEGIN OPENSSH PRIVATE KEY-----\n${"b3BlbnNzaC1rZXktdjEAAAAA".repeat(6)}`;
    const m = findMatches(text, [BUILTIN_DETECTORS["private-key"]]);
    expect(m.map((x) => [x.start, x.end])).toEqual([[0, text.length]]);
  });

  it("reports a GitHub token once, as itself, not also as a generic secret", () => {
    expect(found(`GITHUB_TOKEN=${GITHUB}`)).toEqual([`github-token:${GITHUB}`]);
  });

  it("judges a JSON value by its member name", () => {
    expect(found("Tr0ub4dor&3xyz", "password")).toEqual(["generic-secret:Tr0ub4dor&3xyz"]);
    expect(found("Tr0ub4dor&3xyz", "nickname")).toEqual([]);
  });

  it("runs custom patterns and skips empty matches", () => {
    const employee = customDetector({ name: "employee-id", pattern: "EMP-\\d{6}", ignoreCase: true });
    const text = "emp-123456 and EMP-654321, not EMP-12";
    expect(findMatches(text, [employee]).map((m) => text.slice(m.start, m.end))).toEqual([
      "emp-123456",
      "EMP-654321",
    ]);
    const optional = customDetector({ name: "maybe", pattern: "x?", ignoreCase: false });
    expect(findMatches("abc x", [optional]).map((m) => m.start)).toEqual([4]);
  });

  it("narrows a grouped card number to its groups and an IBAN to its country's length", () => {
    expect(found("card 4532 0151 1283 0366 12 27")).toEqual(["credit-card:4532 0151 1283 0366"]);
    expect(found("IBAN DE89 3704 0044 0532 0130 00 EUR")).toEqual(["iban:DE89 3704 0044 0532 0130 00"]);
  });
});
