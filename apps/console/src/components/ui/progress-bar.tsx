import { cn } from "./cn";

export interface ProgressBarProps {
  /** 0–100; undefined shows an indeterminate bar. */
  value?: number;
  label: string;
  tone?: "brand" | "green" | "red";
  className?: string;
}

const TONES = { brand: "bg-indigo-600", green: "bg-green-600", red: "bg-red-600" } as const;

/** An accessible progress bar (role="progressbar" with its value and a visible label). */
export function ProgressBar({ value, label, tone = "brand", className }: ProgressBarProps) {
  const clamped = value === undefined ? undefined : Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className={cn("space-y-1", className)}>
      <div className="flex justify-between text-xs text-slate-600">
        <span>{label}</span>
        {clamped !== undefined && <span>{clamped}%</span>}
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={clamped}
        className="h-2 w-full overflow-hidden rounded-full bg-slate-200"
      >
        <div
          className={cn(
            "h-full rounded-full transition-[width] duration-300",
            TONES[tone],
            clamped === undefined && "w-1/3 animate-pulse",
          )}
          style={clamped === undefined ? undefined : { width: `${clamped}%` }}
        />
      </div>
    </div>
  );
}
