import { readFileSync } from "node:fs";
import { type ConfigFile, configFile } from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { formatConfigPath } from "../change-plan/config-path";

/**
 * Reads and validates a config file (YAML, or JSON which YAML parses too). Every problem
 * is reported at once, each as `file:line: path.in.file: message`, in one INVALID_INPUT.
 */
export function loadConfigFile(path: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(cause);
    throw new AppError("INVALID_INPUT", `cannot read config file ${path}: ${reason}`, { cause });
  }
  return parseConfigText(text, path);
}

/** Parses config file text; `source` names the file in error messages. */
export function parseConfigText(text: string, source = "config"): ConfigFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const message = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ""}: ${message}`;
    });
    throw new AppError("INVALID_INPUT", `config file is not valid YAML/JSON:\n  ${lines.join("\n  ")}`);
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = configFile.safeParse(raw);
  if (parsed.success) return parsed.data;

  const lineOf = (issuePath: ReadonlyArray<PropertyKey>): string => {
    // The node for the path itself, or its nearest existing parent (a missing key has none).
    for (let n = issuePath.length; n >= 0; n--) {
      const node = doc.getIn(issuePath.slice(0, n) as unknown[], true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return `:${lineCounter.linePos(node.range[0]).line}`;
    }
    return "";
  };
  const lines = parsed.error.issues.map((issue) => `${source}${lineOf(issue.path)}: ${describeIssue(issue)}`);
  throw new AppError("INVALID_INPUT", `invalid config file:\n  ${lines.join("\n  ")}`, {
    details: {
      issues: parsed.error.issues.map((i) => ({ path: formatConfigPath(i.path), message: i.message })),
    },
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const where = formatConfigPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    return `${where}: unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  }
  if (issue.code === "invalid_union" && "options" in issue && Array.isArray(issue.options)) {
    return `${where}: must be one of ${issue.options.join(", ")}`;
  }
  return `${where}: ${issue.message}`;
}
