import { openText, sealText } from "@portcullis/auth/secrets";
import { AppError } from "@portcullis/contracts/errors";
import type { UpstreamSpec } from "@portcullis/upstream/types";
import { z } from "zod";

/**
 * An upstream spec as it travels to the worker for a stdio connection test: its env and
 * headers hold credentials, so the whole spec is sealed with PORTCULLIS_SECRET_KEY, which
 * the console and the worker share and Redis never sees.
 */
const upstreamSpec = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  transport: z.enum(["streamable-http", "sse", "stdio"]),
  url: z.string().nullable().optional(),
  command: z.string().nullable().optional(),
  args: z.array(z.string()).optional(),
  env: z.record(z.string(), z.string()).nullable().optional(),
  network: z.boolean().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  timeoutMs: z.number().int().positive(),
});

export function sealSpec(spec: UpstreamSpec, secretKey: Buffer): string {
  return sealText(JSON.stringify(spec), secretKey);
}

/** @throws AppError INVALID_INPUT when the spec does not open with this key or is malformed. */
export function openSpec(sealed: string, secretKey: Buffer): UpstreamSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(openText(sealed, secretKey));
  } catch (cause) {
    throw new AppError(
      "INVALID_INPUT",
      "the connection test does not open with this worker's PORTCULLIS_SECRET_KEY (is it the console's?)",
      { cause },
    );
  }
  const spec = upstreamSpec.safeParse(parsed);
  if (!spec.success) throw new AppError("INVALID_INPUT", `malformed connection test: ${spec.error.message}`);
  return spec.data as UpstreamSpec;
}
