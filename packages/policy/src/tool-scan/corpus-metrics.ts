import type { CorpusEntry } from "./corpus";
import { INJECTION_KINDS, type InjectionKind } from "./findings";

export interface KindScore {
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export interface CorpusScore {
  /** Per kind, counted per entry: a kind expected and reported is a true positive, and so on. */
  byKind: Record<InjectionKind, KindScore>;
  /** All kinds together. */
  overall: KindScore;
  /** Entries whose reported kinds differ from the expected ones (what to look at when a floor fails). */
  mismatches: Array<{ note: string; expected: InjectionKind[]; reported: InjectionKind[] }>;
}

const score = (tp: number, fp: number, fn: number): KindScore => ({
  truePositives: tp,
  falsePositives: fp,
  falseNegatives: fn,
  precision: tp + fp === 0 ? 1 : tp / (tp + fp),
  recall: tp + fn === 0 ? 1 : tp / (tp + fn),
});

/** Scores `scan` (returning the kinds it reports for a text) against the labelled corpus. */
export function scoreCorpus(
  corpus: readonly CorpusEntry[],
  scan: (text: string) => InjectionKind[],
): CorpusScore {
  const counts = Object.fromEntries(INJECTION_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0 }])) as Record<
    InjectionKind,
    { tp: number; fp: number; fn: number }
  >;
  const mismatches: CorpusScore["mismatches"] = [];
  for (const entry of corpus) {
    const reported = new Set(scan(entry.text));
    const expected = new Set(entry.expect);
    for (const kind of INJECTION_KINDS) {
      if (expected.has(kind) && reported.has(kind)) counts[kind].tp++;
      else if (reported.has(kind)) counts[kind].fp++;
      else if (expected.has(kind)) counts[kind].fn++;
    }
    if ([...reported].sort().join() !== [...expected].sort().join()) {
      mismatches.push({ note: entry.note, expected: [...expected], reported: [...reported] });
    }
  }
  const byKind = Object.fromEntries(
    INJECTION_KINDS.map((k) => [k, score(counts[k].tp, counts[k].fp, counts[k].fn)]),
  ) as Record<InjectionKind, KindScore>;
  const sum = (key: "tp" | "fp" | "fn") => INJECTION_KINDS.reduce((n, k) => n + counts[k][key], 0);
  return { byKind, overall: score(sum("tp"), sum("fp"), sum("fn")), mismatches };
}
