import { revealHidden } from "@portcullis/policy/tool-scan/reveal-hidden";

/**
 * Text with every hidden character (zero-width, bidi controls, tags, variation selectors)
 * shown as a visible ⟨U+200B⟩ chip, so a reviewer sees exactly what the model would read.
 * The chip is text, not an icon: it is copied, searched and read out by screen readers.
 */
export function RevealedText({ text }: { text: string }) {
  return (
    <>
      {revealHidden(text).map((segment, i) =>
        segment.hidden ? (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: segments are derived from the text, in order
            key={i}
            data-hidden-char={segment.label}
            title={`Hidden character ${segment.label}`}
            className="mx-px rounded bg-fuchsia-100 px-0.5 font-mono text-[0.7rem] font-semibold text-fuchsia-800 ring-1 ring-fuchsia-300"
          >
            ⟨{segment.label}⟩
          </span>
        ) : (
          // biome-ignore lint/suspicious/noArrayIndexKey: segments are derived from the text, in order
          <span key={i}>{segment.text}</span>
        ),
      )}
    </>
  );
}
