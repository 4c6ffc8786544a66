import { AppError, ERROR_CODES, type ErrorCode, isAppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";
import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";

/**
 * Maps what a procedure threw to the TRPCError the client gets: an AppError keeps its
 * message and takes its tRPC code from ERROR_CODES; known Prisma failures become CONFLICT
 * or NOT_FOUND; anything else is INTERNAL with a generic message (the cause is kept for
 * the server's log, never sent).
 */
export function toTRPCError(error: TRPCError): TRPCError {
  const cause = error.cause;
  if (isAppError(cause)) return fromAppError(cause);
  if (cause instanceof Prisma.PrismaClientKnownRequestError) {
    if (cause.code === "P2002" || cause.code === "P2003" || cause.code === "P2034") {
      return fromAppError(
        new AppError("CONFLICT", "a concurrent change collided with this one; try again", { cause }),
      );
    }
    if (cause.code === "P2025")
      return fromAppError(new AppError("NOT_FOUND", "it does not exist (any more)", { cause }));
  }
  // tRPC's message for invalid input is the issues as JSON, which forms would show verbatim.
  if (cause instanceof ZodError) {
    return new TRPCError({ code: error.code, message: validationMessage(cause), cause });
  }
  // Errors raised as TRPCError on purpose pass through.
  if (error.code !== "INTERNAL_SERVER_ERROR") return error;
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error", cause: cause ?? error });
}

/** `redirectUris.0: must use https` — each issue with the field it is about, in one line. */
function validationMessage(error: ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
    )
    .join("; ");
}

function fromAppError(error: AppError): TRPCError {
  const message = error.code === "INTERNAL" ? "internal error" : error.message;
  return new TRPCError({ code: ERROR_CODES[error.code].trpc, message, cause: error });
}

/** Extra data in every error the client gets: the AppError code and per-field messages for forms. */
export interface ApiErrorData {
  appCode: ErrorCode | null;
  /** `{ field: [message] }`, from input validation or an AppError naming its field. */
  fieldErrors: Record<string, string[]> | null;
}

export function errorData(error: TRPCError): ApiErrorData {
  const cause = error.cause;
  if (cause instanceof ZodError) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of cause.issues) {
      const field = issue.path.map(String).join(".") || "(input)";
      fieldErrors[field] = [...(fieldErrors[field] ?? []), issue.message];
    }
    return { appCode: "INVALID_INPUT", fieldErrors };
  }
  if (isAppError(cause)) {
    return { appCode: cause.code, fieldErrors: appFieldErrors(cause) };
  }
  return { appCode: null, fieldErrors: null };
}

function appFieldErrors(error: AppError): Record<string, string[]> | null {
  const details = error.details;
  if (!details) return null;
  if (details.fieldErrors && typeof details.fieldErrors === "object") {
    return details.fieldErrors as Record<string, string[]>;
  }
  if (typeof details.field === "string") return { [details.field]: [error.message] };
  return null;
}
