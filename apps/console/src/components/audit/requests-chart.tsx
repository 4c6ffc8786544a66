import { count } from "@/lib/format";

export interface Bucket {
  start: Date;
  total: number;
  denied: number;
  errors: number;
}

const HEIGHT = 160;
const SERIES = [
  { key: "ok", label: "Allowed", className: "fill-indigo-500", swatch: "bg-indigo-500" },
  { key: "denied", label: "Denied", className: "fill-amber-500", swatch: "bg-amber-500" },
  { key: "errors", label: "Errors", className: "fill-red-500", swatch: "bg-red-500" },
] as const;

function bucketLabel(date: Date, bucketSeconds: number): string {
  return bucketSeconds >= 86_400
    ? date.toLocaleDateString("en", { month: "short", day: "numeric" })
    : date.toLocaleString("en", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/**
 * Requests over time as stacked bars (allowed, denied, errors), in plain SVG. Each bar
 * carries its numbers in a <title> for pointer and screen-reader users alike.
 */
export function RequestsChart({ buckets, bucketSeconds }: { buckets: Bucket[]; bucketSeconds: number }) {
  const max = Math.max(1, ...buckets.map((b) => b.total));
  const width = Math.max(buckets.length, 1) * 10;
  const y = (n: number) => (n / max) * (HEIGHT - 4);
  const first = buckets[0];
  const last = buckets.at(-1);
  return (
    <figure className="space-y-2">
      <div className="flex items-center justify-between text-xs text-slate-500">
        <span>max {count(max)} per bar</span>
        <span className="flex gap-3">
          {SERIES.map((s) => (
            <span key={s.key} className="inline-flex items-center gap-1">
              <span aria-hidden="true" className={`size-2.5 rounded-sm ${s.swatch}`} />
              {s.label}
            </span>
          ))}
        </span>
      </div>
      <svg
        viewBox={`0 0 ${width} ${HEIGHT}`}
        preserveAspectRatio="none"
        className="h-40 w-full rounded-md bg-slate-50"
        role="img"
        aria-label={`Requests over time, ${buckets.length} bars`}
      >
        {buckets.map((b, i) => {
          const parts = { ok: b.total - b.denied - b.errors, denied: b.denied, errors: b.errors };
          let top = HEIGHT;
          return (
            <g key={b.start.toISOString()}>
              <title>
                {`${bucketLabel(b.start, bucketSeconds)}: ${count(b.total)} requests, ${count(b.denied)} denied, ${count(b.errors)} errors`}
              </title>
              <rect x={i * 10} y={0} width={10} height={HEIGHT} className="fill-transparent" />
              {SERIES.map((s) => {
                const h = y(Math.max(0, parts[s.key]));
                top -= h;
                return h > 0 ? (
                  <rect key={s.key} x={i * 10 + 1} y={top} width={8} height={h} className={s.className} />
                ) : null;
              })}
            </g>
          );
        })}
      </svg>
      {first && last && (
        <figcaption className="flex justify-between text-xs text-slate-500">
          <span>{bucketLabel(first.start, bucketSeconds)}</span>
          <span>{bucketLabel(last.start, bucketSeconds)}</span>
        </figcaption>
      )}
    </figure>
  );
}
