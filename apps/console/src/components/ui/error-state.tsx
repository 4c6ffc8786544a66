import { cn } from "./cn";

/** The shape of a tRPC client error that this component needs (no tRPC import in ui/). */
export interface ErrorLike {
  message: string;
  data?: { code?: string } | null;
}

/**
 * A failed query, said plainly. A FORBIDDEN error reads "Not allowed", so a user without
 * the permission never sees a silent empty page.
 */
export function ErrorState({ error, className }: { error: ErrorLike; className?: string }) {
  const forbidden = error.data?.code === "FORBIDDEN";
  return (
    <div
      role="alert"
      className={cn(
        "rounded-lg border px-4 py-3 text-sm",
        forbidden ? "border-amber-200 bg-amber-50 text-amber-900" : "border-red-200 bg-red-50 text-red-900",
        className,
      )}
    >
      <p className="font-semibold">{forbidden ? "Not allowed" : "Something went wrong"}</p>
      <p className="mt-0.5">{error.message}</p>
    </div>
  );
}

/** The message of a mutation error, for a field or a dialog. */
export function errorMessage(error: unknown): string {
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string")
    return error.message;
  return "Something went wrong";
}

/**
 * Field-level messages from a failed mutation, keyed by input field: the API puts them in
 * `data.fieldErrors` (zod issues, or an AppError naming its field). First message per field.
 */
export function fieldErrors(error: unknown): Record<string, string> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[] | undefined> | null } } | null)
    ?.data;
  const out: Record<string, string> = {};
  for (const [field, messages] of Object.entries(data?.fieldErrors ?? {})) {
    if (messages?.[0]) out[field] = messages[0];
  }
  return out;
}
