import { buildDetectorCorpus } from "./detector-corpus";
import { measureDetectors } from "./measure-detectors";
const corpus = buildDetectorCorpus();
const { scores, mismatches } = measureDetectors(corpus);
console.log("samples", corpus.length, "positives", corpus.filter(s=>s.secrets.length).length);
console.table(scores.map(s => ({ ...s, precision: s.precision.toFixed(3), recall: s.recall.toFixed(3) })));
for (const m of mismatches) console.log(m.kind, m.detector, JSON.stringify(m.value).slice(0,80), "|", JSON.stringify(m.sample.text).slice(0, 120), m.sample.field ?? "");
