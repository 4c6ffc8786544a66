import { AppError } from "@portcullis/contracts/errors";
import { SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX } from "@portcullis/policy/context/meta-tools";
import { z } from "zod";

const QUERY_MAX = 500;
/** Longer programs are not what code mode is for, and would only fill the audit log. */
export const CODE_MAX = 50_000;

const searchArgs = z.strictObject({
  query: z.string().trim().min(1, "query must not be empty").max(QUERY_MAX),
  limit: z.number().int().min(1).max(SEARCH_LIMIT_MAX).default(SEARCH_LIMIT_DEFAULT),
});
const callArgs = z.strictObject({
  name: z.string().min(1),
  arguments: z.record(z.string(), z.unknown()).optional(),
});
const executeArgs = z.strictObject({ code: z.string().min(1).max(CODE_MAX) });

function parse<T>(tool: string, schema: z.ZodType<T>, args: unknown): T {
  const parsed = schema.safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `'${issue.path.join(".")}' ` : "";
  throw new AppError(
    "INVALID_INPUT",
    `invalid arguments for '${tool}': ${where}${issue?.message ?? "invalid"}`,
  );
}

export const parseSearchArgs = (args: unknown) => parse("search_tools", searchArgs, args);
export const parseCallArgs = (args: unknown) => parse("call_tool", callArgs, args);
export const parseExecuteArgs = (args: unknown) => parse("execute", executeArgs, args);
