import type { ReactNode } from "react";
import { cn } from "../ui/cn";
import { RevealedText } from "./revealed-text";

export interface DiffOp {
  op: "equal" | "insert" | "delete";
  text: string;
}

/** A marker the scanner found in the current text: [index, index + length), in UTF-16 units. */
export interface MarkedRange {
  index: number;
  length: number;
  label: string;
}

interface Piece {
  text: string;
  op: DiffOp["op"];
  mark: string | null;
}

/** The current side's pieces, split wherever a marked range starts or ends. */
function currentPieces(ops: DiffOp[], marks: MarkedRange[]): Piece[] {
  const pieces: Piece[] = [];
  let offset = 0;
  for (const { op, text } of ops) {
    if (op === "delete") continue;
    const cuts = new Set([0, text.length]);
    for (const m of marks) {
      for (const at of [m.index - offset, m.index + m.length - offset])
        if (at > 0 && at < text.length) cuts.add(at);
    }
    const sorted = [...cuts].sort((a, b) => a - b);
    for (let i = 0; i + 1 < sorted.length; i++) {
      const start = offset + sorted[i]!;
      const mark = marks.find((m) => start >= m.index && start < m.index + m.length);
      pieces.push({ text: text.slice(sorted[i], sorted[i + 1]), op, mark: mark?.label ?? null });
    }
    offset += text.length;
  }
  return pieces;
}

function Column({
  heading,
  children,
  empty,
  mono,
}: {
  heading: string;
  children: ReactNode;
  empty: boolean;
  mono: boolean;
}) {
  return (
    <section aria-label={heading} className="min-w-0">
      <h4 className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{heading}</h4>
      <div
        className={cn(
          "min-h-10 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm break-words whitespace-pre-wrap",
          mono && "font-mono text-xs",
        )}
      >
        {empty ? <span className="text-slate-400 italic">(none)</span> : children}
      </div>
    </section>
  );
}

/**
 * Approved on the left, current on the right. Removed runs are struck through in red on
 * the left, added runs underlined in green on the right, scanner markers highlighted in
 * amber on the right, and hidden characters shown as ⟨U+…⟩ on both sides.
 */
export function SideBySideDiff({
  ops,
  marks = [],
  mono = false,
  approvedMissing = false,
}: {
  ops: DiffOp[];
  marks?: MarkedRange[];
  mono?: boolean;
  /** No approved definition to compare with: the left side says so. */
  approvedMissing?: boolean;
}) {
  const left = ops.filter((o) => o.op !== "insert");
  const right = currentPieces(ops, marks);
  return (
    <div className="grid gap-3 md:grid-cols-2">
      <Column heading="Approved" empty={approvedMissing || left.every((o) => o.text === "")} mono={mono}>
        {left.map((o, i) =>
          o.op === "delete" ? (
            // biome-ignore lint/suspicious/noArrayIndexKey: diff runs are positional
            <del key={i} className="bg-red-100 text-red-900 decoration-red-500">
              <RevealedText text={o.text} />
            </del>
          ) : (
            // biome-ignore lint/suspicious/noArrayIndexKey: diff runs are positional
            <span key={i}>
              <RevealedText text={o.text} />
            </span>
          ),
        )}
      </Column>
      <Column heading="Current" empty={right.every((p) => p.text === "")} mono={mono}>
        {right.map((p, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: diff runs are positional
          <CurrentPiece key={i} piece={p} />
        ))}
      </Column>
    </div>
  );
}

function CurrentPiece({ piece }: { piece: Piece }) {
  const content = piece.mark ? (
    <mark title={piece.mark} className="bg-amber-200 underline decoration-red-600 decoration-wavy">
      <RevealedText text={piece.text} />
    </mark>
  ) : (
    <RevealedText text={piece.text} />
  );
  return piece.op === "insert" ? (
    <ins className="bg-green-100 text-green-900 decoration-green-600">{content}</ins>
  ) : (
    <span>{content}</span>
  );
}
