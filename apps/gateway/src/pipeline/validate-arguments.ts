import { AppError } from "@portcullis/contracts/errors";
import type { SnapshotTool } from "@portcullis/contracts/snapshot";
import { linearRegExpEngine } from "@portcullis/policy/linear-regex";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";

// MCP makes JSON Schema 2020-12 the default dialect; draft-07 schemas (common in older
// servers) declare themselves with $schema and get a draft-07 validator. Schema patterns
// come from upstreams and run over agent input: RE2's linear-time engine, never a
// backtracking RegExp (no ReDoS).
const options = {
  allErrors: true,
  strict: false,
  validateFormats: false,
  code: { regExp: linearRegExpEngine },
} as const;
const ajv2020 = new Ajv2020(options);
const ajv07 = new Ajv(options);

function compile(schema: Record<string, unknown>): ValidateFunction {
  const dialect = typeof schema.$schema === "string" ? schema.$schema : "";
  return /draft-0[4-7]/.test(dialect) ? ajv07.compile(schema) : ajv2020.compile(schema);
}

// Compiled validators are keyed by the tool's definition hash, so a snapshot swap that does
// not change a tool's schema reuses its validator and nothing is compiled on the hot path twice.
const validators = new Map<string, ValidateFunction | Error>();
const MAX_VALIDATORS = 20_000;

// In front of it, one entry per tool object: a snapshot's tools live as long as its version,
// and a call then finds its validator without building and hashing the key string.
const byTool = new WeakMap<SnapshotTool, ValidateFunction | Error>();

function validatorFor(tool: SnapshotTool): ValidateFunction | Error {
  let v = byTool.get(tool);
  if (v === undefined) {
    v = validatorByHash(tool);
    byTool.set(tool, v);
  }
  return v;
}

function validatorByHash(tool: SnapshotTool): ValidateFunction | Error {
  const cacheKey = `${tool.id}:${tool.definitionHash}`;
  let v = validators.get(cacheKey);
  if (v === undefined) {
    try {
      v = compile(tool.inputSchema);
    } catch (err) {
      v = new Error(
        `tool '${tool.exposedName}' has an input schema that cannot be compiled: ${(err as Error).message}`,
      );
    }
    if (validators.size >= MAX_VALIDATORS) validators.clear();
    validators.set(cacheKey, v);
  }
  return v;
}

/** Validates call arguments against the tool's input schema; nothing invalid is forwarded. */
export function validateArguments(tool: SnapshotTool, args: unknown): Record<string, unknown> {
  const value = args ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new AppError("INVALID_INPUT", `arguments for '${tool.exposedName}' must be a JSON object`);
  }
  const validate = validatorFor(tool);
  if (validate instanceof Error) throw new AppError("INVALID_INPUT", validate.message);
  if (!validate(value)) {
    const problems = (validate.errors ?? []).slice(0, 10).map((e) => {
      const where = e.instancePath ? e.instancePath.slice(1).replaceAll("/", ".") : "arguments";
      return `${where} ${e.message ?? "is invalid"}`;
    });
    throw new AppError(
      "INVALID_INPUT",
      `invalid arguments for '${tool.exposedName}': ${problems.join("; ")}`,
      {
        details: { problems },
      },
    );
  }
  return value as Record<string, unknown>;
}
