/**
 * DLP recall against evasion, and precision on benign look-alikes (issue 10 point 8).
 *
 *   pnpm exec tsx bench/dlp-evasion.ts
 *
 * The evasion corpus (bench/data/dlp-evasion-corpus.json) was written and committed before
 * the detectors learnt to normalize and decode, without looking at their code: each
 * positive case hides one built-in detector's secret behind one technique (zero-width and
 * bidi characters, fullwidth and mathematical letters, object keys, numbers, base64,
 * percent-encoding), each benign case is ordinary traffic that must stay clean. Every
 * payload goes through the gateway's own scan (an "all detectors" policy on arguments).
 *
 * A case counts as found when its detector fires anywhere in it; any other detector that
 * fires is a false positive. The built-in labelled corpus (detector-corpus.ts) is measured
 * too, so a gain in recall that costs precision on plain traffic shows.
 */
import { readFileSync } from "node:fs";
import type { SnapshotPolicy } from "@portcullis/contracts/snapshot";
import { compileDlpPolicies } from "../packages/policy/src/dlp/compile-dlp-policies";
import { buildDetectorCorpus } from "../packages/policy/src/dlp/detector-corpus";
import { measureDetectors } from "../packages/policy/src/dlp/measure-detectors";
import { scanArguments } from "../packages/policy/src/dlp/scan-payload";

interface EvasionCase {
  id: string;
  technique: string;
  expect: string[];
  payload: Record<string, unknown>;
}

const corpus = JSON.parse(
  readFileSync(new URL("./data/dlp-evasion-corpus.json", import.meta.url), "utf8"),
) as {
  cases: EvasionCase[];
};
const policy: SnapshotPolicy = {
  id: "pol_bench",
  orgId: "org_bench",
  name: "all",
  kind: "dlp",
  priority: 1,
  scope: { teams: [], agents: [], servers: [], tools: [] },
  config: { detectors: "all", action: "log", direction: "arguments" },
};
const rules = compileDlpPolicies([policy]).forCall({
  orgId: "org_bench",
  teamId: "t",
  agentId: "a",
  serverId: "s",
  toolId: "x",
  toolName: "s__x",
}).arguments!;

const byTechnique = new Map<string, { cases: number; found: number }>();
let tp = 0;
let fp = 0;
let fn = 0;
let benignFlagged = 0;
let benign = 0;
const missed: string[] = [];
const spurious: string[] = [];
for (const c of corpus.cases) {
  const found = new Set(scanArguments(rules, c.payload).findings.map((f) => f.detector));
  for (const d of found) {
    if (!c.expect.includes(d)) {
      fp++;
      spurious.push(`${c.id}: ${d}`);
    }
  }
  if (c.expect.length === 0) {
    benign++;
    if (found.size > 0) benignFlagged++;
    continue;
  }
  const row = byTechnique.get(c.technique) ?? { cases: 0, found: 0 };
  row.cases++;
  for (const d of c.expect) {
    if (found.has(d)) {
      tp++;
      row.found++;
    } else {
      fn++;
      missed.push(c.id);
    }
  }
  byTechnique.set(c.technique, row);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log("DLP evasion corpus: recall per technique");
for (const [technique, row] of byTechnique)
  console.log(`  ${technique.padEnd(20)} ${String(row.found).padStart(2)}/${row.cases}`);
console.log(`evasion recall     ${pct(tp / (tp + fn))}  (${tp}/${tp + fn})`);
console.log(`evasion precision  ${pct(tp + fp === 0 ? 1 : tp / (tp + fp))}  (${fp} false positives)`);
console.log(`benign cases flagged ${benignFlagged}/${benign}`);
if (missed.length) console.log(`missed: ${missed.join(", ")}`);
if (spurious.length) console.log(`spurious: ${spurious.join(", ")}`);

const { scores } = measureDetectors(buildDetectorCorpus());
const sum = (k: "truePositives" | "falsePositives" | "falseNegatives") =>
  scores.reduce((n, s) => n + s[k], 0);
const [ctp, cfp, cfn] = [sum("truePositives"), sum("falsePositives"), sum("falseNegatives")];
console.log(
  `labelled corpus (plain traffic): precision ${pct(ctp / (ctp + cfp))}, recall ${pct(ctp / (ctp + cfn))} (${cfp} FP, ${cfn} FN)`,
);
