import { AppError } from "@portcullis/contracts/errors";

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * A point in time from `30d`, `2h`, `10m` (relative to now: into the past for `--since`,
 * the future for `--expires`) or an ISO date.
 */
export function parseTimeInput(
  text: string,
  direction: "past" | "future",
  option: string,
  now = new Date(),
): Date {
  const relative = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
    return new Date(now.getTime() + (direction === "past" ? -ms : ms));
  }
  const date = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(date.getTime())) {
    throw new AppError(
      "INVALID_INPUT",
      `${option}: expected a duration like 10m, 2h, 30d or an ISO date (got "${text}")`,
    );
  }
  return date;
}
