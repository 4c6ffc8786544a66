export const EXPIRY_OPTIONS = [
  { value: "never", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "365", label: "In a year" },
  { value: "custom", label: "On a date…" },
] as const;

export type ExpiryChoice = (typeof EXPIRY_OPTIONS)[number]["value"];

/**
 * The expiry a choice means, or a message for the field. A custom date means the end of
 * that day in the viewer's time zone.
 */
export function expiryFrom(
  choice: ExpiryChoice,
  customDate: string,
  now = new Date(),
): { expiresAt?: Date; problem?: string } {
  if (choice === "never") return {};
  if (choice !== "custom") return { expiresAt: new Date(now.getTime() + Number(choice) * 24 * 3600 * 1000) };
  if (!customDate) return { problem: "Choose a date" };
  const date = new Date(`${customDate}T23:59:59`);
  if (Number.isNaN(date.getTime())) return { problem: "Enter a valid date" };
  if (date.getTime() <= now.getTime()) return { problem: "Choose a date in the future" };
  return { expiresAt: date };
}
