import { describe, expect, it } from "vitest";
import { CORPUS } from "./corpus";
import { scoreCorpus } from "./corpus-metrics";
import type { InjectionKind } from "./findings";
import { scanText } from "./scan-text";
import { findingKinds } from "./scan-tool";

// Floors, and why:
// - Hidden Unicode (invisible, bidi, tag characters) is decided by exact character classes
//   and their legitimate contexts: anything short of 1.0 on this corpus is a bug.
// - Phrases: a false positive quarantines a legitimate tool (hidden from every agent until
//   an admin approves it), so precision must stay ≥ 0.95. Recall ≥ 0.85 accepts that
//   pattern matching cannot catch paraphrase (the corpus keeps three known misses): the
//   scanner is a tripwire for published attack shapes; pinning (any definition change is
//   quarantined, flagged or not) and the admin's review of the diff are the backstop.
const FLOORS: Record<InjectionKind, { precision: number; recall: number }> = {
  invisible_character: { precision: 1, recall: 1 },
  bidi_control: { precision: 1, recall: 1 },
  tag_character: { precision: 1, recall: 1 },
  model_instruction: { precision: 0.95, recall: 0.85 },
  sensitive_reference: { precision: 0.95, recall: 0.85 },
};

const kindsOf = (text: string) => findingKinds(scanText(text));
const result = scoreCorpus(CORPUS, kindsOf);

describe("scanner against the labelled corpus", () => {
  it("has enough of both classes to mean something", () => {
    expect(CORPUS.filter((e) => e.expect.length > 0).length).toBeGreaterThanOrEqual(40);
    expect(CORPUS.filter((e) => e.expect.length === 0).length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(FLOORS))("keeps %s above its precision and recall floors", (kind, floor) => {
    const score = result.byKind[kind as InjectionKind];
    expect(score.truePositives).toBeGreaterThan(0);
    expect(score.precision, JSON.stringify(result.mismatches)).toBeGreaterThanOrEqual(floor.precision);
    expect(score.recall, JSON.stringify(result.mismatches)).toBeGreaterThanOrEqual(floor.recall);
  });

  it.each(CORPUS.filter((e) => !e.knownMiss).map((e) => [e.note, e] as const))(
    "labels %s exactly",
    (_note, entry) => {
      expect(kindsOf(entry.text).sort()).toEqual([...entry.expect].sort());
    },
  );

  it("still misses the paraphrases it is known to miss (update the corpus when it learns them)", () => {
    for (const entry of CORPUS.filter((e) => e.knownMiss)) {
      expect({ note: entry.note, kinds: kindsOf(entry.text) }).not.toEqual({
        note: entry.note,
        kinds: entry.expect,
      });
    }
  });
});
