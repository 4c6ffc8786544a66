/** One run of a text diff: unchanged, only in the current text, or only in the approved one. */
export interface TextDiffOp {
  op: "equal" | "insert" | "delete";
  text: string;
}

// Words, runs of whitespace, and every other code point on its own, so a single hidden
// character inserted into a word shows up as its own change.
const TOKEN = /\s+|[\p{L}\p{N}_]+|./gsu;
// Above this many cells the LCS table is too big for a request; the middle becomes one replace.
const MAX_CELLS = 4_000_000;

/**
 * Word-level diff of `before` (approved) and `after` (current): the longest common
 * subsequence of tokens after trimming the common prefix and suffix. Joining the
 * `equal` and `delete` runs gives `before`; `equal` and `insert` give `after`.
 */
export function diffText(before: string, after: string): TextDiffOp[] {
  const a = before.match(TOKEN) ?? [];
  const b = after.match(TOKEN) ?? [];
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: TextDiffOp[] = [];
  push(ops, "equal", a.slice(0, start));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if ((midA.length + 1) * (midB.length + 1) > MAX_CELLS) {
    push(ops, "delete", midA);
    push(ops, "insert", midB);
  } else {
    for (const [op, token] of lcsOps(midA, midB)) push(ops, op, [token]);
  }
  push(ops, "equal", a.slice(endA));
  return ops;
}

function lcsOps(a: string[], b: string[]): Array<[TextDiffOp["op"], string]> {
  const width = b.length + 1;
  // lengths[i * width + j] = LCS length of a[i..] and b[j..]
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const out: Array<[TextDiffOp["op"], string]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push(["equal", a[i]!]);
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      out.push(["delete", a[i++]!]);
    } else {
      out.push(["insert", b[j++]!]);
    }
  }
  while (i < a.length) out.push(["delete", a[i++]!]);
  while (j < b.length) out.push(["insert", b[j++]!]);
  return out;
}

function push(ops: TextDiffOp[], op: TextDiffOp["op"], tokens: string[]): void {
  if (tokens.length === 0) return;
  const text = tokens.join("");
  const last = ops.at(-1);
  if (last?.op === op) last.text += text;
  else ops.push({ op, text });
}
