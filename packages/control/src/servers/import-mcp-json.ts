import { AppError, isAppError } from "@portcullis/contracts/errors";
import { newId } from "@portcullis/contracts/ids";
import type { Actor } from "../admin-audit/actor";
import { recordAdminChange } from "../admin-audit/record-admin-change";
import type { Db } from "../db";
import {
  draftFromFields,
  type ServerDraft,
  type ServerFields,
  serverRowData,
  validateServerDraft,
} from "./server-draft";

export interface McpJsonImportResult {
  /** Names of the servers created (or, in a dry run, that would be). */
  created: string[];
  skipped: Array<{ name: string; reason: string }>;
  /** Entries whose name was not a valid server name and was adapted. */
  renamed: Array<{ from: string; to: string }>;
}

/**
 * Imports the servers of a Claude Desktop / Cursor / VS Code `mcp.json`:
 * `{ "mcpServers": { "<name>": { "command", "args", "env" } | { "url", "headers", "type" } } }`
 * (VS Code's top-level `servers` key too). Header and environment values are sealed.
 *
 * Entries that cannot be imported (a name already taken, no command or URL, an invalid
 * URL) are skipped with the reason; the others are created in one transaction, one audit
 * row each. Names are lowercased and other characters become dashes, as server names must.
 */
export async function importMcpJson(
  db: Db,
  input: { orgId: string; actor: Actor; secretKey: Buffer; json: string; dryRun?: boolean },
): Promise<McpJsonImportResult> {
  const entries = parseEntries(input.json);
  const result: McpJsonImportResult = { created: [], skipped: [], renamed: [] };
  const existing = new Set(
    (await db.server.findMany({ where: { orgId: input.orgId }, select: { name: true } })).map((s) => s.name),
  );
  const drafts: ServerDraft[] = [];
  const seen = new Set<string>();

  for (const [rawName, entry] of entries) {
    const name = serverNameFrom(rawName);
    if (name === null) {
      result.skipped.push({
        name: rawName,
        reason: "the name has no letters or digits to make a server name of",
      });
      continue;
    }
    if (name !== rawName) result.renamed.push({ from: rawName, to: name });
    if (existing.has(name)) {
      result.skipped.push({ name, reason: `a server named "${name}" already exists` });
      continue;
    }
    if (seen.has(name)) {
      result.skipped.push({ name, reason: `the file lists "${name}" more than once` });
      continue;
    }
    try {
      const draft = draftFromFields(fieldsOf(name, entry));
      validateServerDraft(draft);
      drafts.push(draft);
      seen.add(name);
    } catch (error) {
      if (!isAppError(error)) throw error;
      result.skipped.push({ name, reason: error.message });
    }
  }
  result.created = drafts.map((d) => d.name);
  if (input.dryRun || drafts.length === 0) return result;

  await db.$transaction(async (tx) => {
    for (const draft of drafts) {
      const id = newId("server");
      await tx.server.create({ data: { id, orgId: input.orgId, ...serverRowData(draft, input.secretKey) } });
      await recordAdminChange(tx, {
        orgId: input.orgId,
        actor: input.actor,
        action: "server.create",
        targetType: "server",
        targetId: id,
        details: {
          name: draft.name,
          transport: draft.transport,
          url: draft.url,
          command: draft.command,
          hasSecrets: Object.keys(draft.secrets).length > 0,
          source: "mcp.json",
        },
      });
    }
  });
  return result;
}

function parseEntries(json: string): Array<[string, Record<string, unknown>]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new AppError("INVALID_INPUT", `not valid JSON: ${(error as Error).message}`, {
      details: { fieldErrors: { json: ["not valid JSON"] } },
    });
  }
  const root = isRecord(parsed) ? parsed : null;
  const servers =
    root && (isRecord(root.mcpServers) ? root.mcpServers : isRecord(root.servers) ? root.servers : null);
  if (!servers) {
    const message = 'expected an object with "mcpServers": { "<name>": { … } }';
    throw new AppError("INVALID_INPUT", message, { details: { fieldErrors: { json: [message] } } });
  }
  return Object.entries(servers).map(([name, entry]) => [name, isRecord(entry) ? entry : {}]);
}

function fieldsOf(name: string, entry: Record<string, unknown>): ServerFields {
  if (typeof entry.command === "string") {
    return {
      name,
      transport: "stdio",
      command: entry.command,
      args: Array.isArray(entry.args) ? entry.args.map(String) : [],
      env: stringRecord(entry.env),
    };
  }
  if (typeof entry.url === "string") {
    return {
      name,
      transport: entry.type === "sse" ? "sse" : "streamable-http",
      url: entry.url,
      headers: stringRecord(entry.headers),
    };
  }
  throw new AppError("INVALID_INPUT", 'neither a "command" (stdio) nor a "url" (HTTP)');
}

/** `My Server` → `my-server`; null when nothing usable is left. */
export function serverNameFrom(raw: string): string | null {
  const name = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64)
    .replace(/-+$/, "");
  return name === "" ? null : name;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
