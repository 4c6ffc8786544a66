import { TRPCError } from "@trpc/server";

/** The TRPCError a call fails with; throws if it succeeds or fails otherwise. */
export async function caught(promise: Promise<unknown>): Promise<TRPCError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof TRPCError)) throw new Error(`expected a TRPCError, got ${String(error)}`);
  return error;
}
