import { AppError } from "@portcullis/contracts/errors";
import { Prisma } from "@portcullis/db/client";

/**
 * Turns a unique-constraint violation into a CONFLICT naming the field, for a form to show
 * next to it. Callers check for the name first; this covers the race between two admins.
 */
export function nameConflict(error: unknown, kind: string, name: string): unknown {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
    return duplicateName(kind, name);
  }
  return error;
}

export function duplicateName(kind: string, name: string): AppError {
  const message = `${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind} named "${name}" already exists`;
  return new AppError("CONFLICT", message, { details: { fieldErrors: { name: [message] } } });
}
