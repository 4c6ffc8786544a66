import { DLP_DETECTORS, type DlpDetectorId } from "@portcullis/contracts/dlp-policy";
import type { CorpusSample } from "./detector-corpus";
import { ALL_BUILTIN_DETECTORS } from "./detectors";
import { findMatches } from "./find-matches";

export interface DetectorScore {
  detector: DlpDetectorId;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
}

export interface CorpusMismatch {
  sample: CorpusSample;
  detector: string;
  kind: "missed" | "spurious";
  value: string;
}

/**
 * Precision and recall of each built-in detector on a labelled corpus, all detectors
 * running together as in an "all detectors" policy. A match counts as a true positive
 * when it is exactly a labelled secret of its detector; any other match is a false positive.
 */
export function measureDetectors(corpus: readonly CorpusSample[]): {
  scores: DetectorScore[];
  mismatches: CorpusMismatch[];
} {
  const counts = new Map(DLP_DETECTORS.map((d) => [d as string, { tp: 0, fp: 0, fn: 0 }]));
  const mismatches: CorpusMismatch[] = [];
  for (const sample of corpus) {
    const found = findMatches(sample.text, ALL_BUILTIN_DETECTORS, sample.field).map((m) => ({
      detector: m.detector.id,
      value: sample.text.slice(m.start, m.end),
    }));
    const unmatched = [...found];
    for (const secret of sample.secrets) {
      const i = unmatched.findIndex((f) => f.detector === secret.detector && f.value === secret.value);
      if (i >= 0) {
        counts.get(secret.detector)!.tp++;
        unmatched.splice(i, 1);
      } else {
        counts.get(secret.detector)!.fn++;
        mismatches.push({ sample, detector: secret.detector, kind: "missed", value: secret.value });
      }
    }
    for (const f of unmatched) {
      counts.get(f.detector)!.fp++;
      mismatches.push({ sample, detector: f.detector, kind: "spurious", value: f.value });
    }
  }
  const scores = DLP_DETECTORS.map((detector) => {
    const { tp, fp, fn } = counts.get(detector)!;
    return {
      detector,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: tp + fp === 0 ? 1 : tp / (tp + fp),
      recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    };
  });
  return { scores, mismatches };
}
