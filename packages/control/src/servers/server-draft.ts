import { sealSecrets, type UpstreamSecrets } from "@portcullis/auth/secrets";
import { configServer } from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import type { TransportKind } from "@portcullis/contracts/snapshot";
import { Prisma, type Server } from "@portcullis/db/client";
import { formatConfigPath } from "../change-plan/config-path";
import { DEFAULT_TIMEOUT_MS } from "../change-plan/server-defaults";
import { openServerSecrets } from "./server-spec";
import { toContractTransport, toDbTransport } from "./transport";

/** A server's whole configuration with its secrets open: what the console edits. */
export interface ServerDraft {
  name: string;
  description: string | null;
  transport: TransportKind;
  url: string | null;
  command: string | null;
  args: string[];
  /** Header values, bearer token and (stdio) environment: sealed when stored. */
  secrets: UpstreamSecrets;
  timeoutMs: number;
  /** stdio: false runs the server without network access (bubblewrap sandbox). Always true for HTTP. */
  network: boolean;
  /** May ask the agent's user for input during a call (default true). */
  allowElicitation: boolean;
  /** May ask the agent's client to sample its model during a call (default false). */
  allowSampling: boolean;
  /** Tools first listed after the first catalog sync are served without review (default false: quarantined). */
  trustNewTools: boolean;
  status: "active" | "disabled";
}

/** What the console sends to create a server (one form, every transport). */
export interface ServerFields {
  name: string;
  description?: string | null;
  transport: TransportKind;
  url?: string | null;
  command?: string | null;
  args?: string[];
  /** stdio: the whole environment is sealed, as `portcullis apply` does (a file cannot say which values are secret). */
  env?: Record<string, string>;
  headers?: Record<string, string>;
  bearer?: string | null;
  timeoutMs?: number;
  network?: boolean;
  allowElicitation?: boolean;
  allowSampling?: boolean;
  trustNewTools?: boolean;
  disabled?: boolean;
}

/** A partial change: for `headers`, `bearer` and `env`, undefined keeps the stored value and null clears it. */
export interface ServerChanges {
  name?: string;
  description?: string | null;
  transport?: TransportKind;
  url?: string | null;
  command?: string | null;
  args?: string[];
  env?: Record<string, string> | null;
  headers?: Record<string, string> | null;
  bearer?: string | null;
  timeoutMs?: number;
  network?: boolean;
  allowElicitation?: boolean;
  allowSampling?: boolean;
  trustNewTools?: boolean;
  disabled?: boolean;
}

export function draftFromFields(fields: ServerFields): ServerDraft {
  return applyServerChanges(
    {
      name: fields.name,
      description: null,
      transport: fields.transport,
      url: null,
      command: null,
      args: [],
      secrets: {},
      timeoutMs: DEFAULT_TIMEOUT_MS,
      network: true,
      allowElicitation: true,
      allowSampling: false,
      trustNewTools: false,
      status: "active",
    },
    { ...fields, transport: fields.transport },
  );
}

export function draftFromRow(row: Server, secretKey: Buffer): ServerDraft {
  return {
    name: row.name,
    description: row.description,
    transport: toContractTransport(row.transport),
    url: row.url,
    command: row.command,
    args: row.args,
    secrets: openServerSecrets(row, secretKey),
    timeoutMs: row.timeoutMs,
    network: row.network,
    allowElicitation: row.allowElicitation,
    allowSampling: row.allowSampling,
    trustNewTools: row.trustNewTools,
    status: row.status,
  };
}

/**
 * Applies a change to a draft. Switching transport drops what the other kind of server
 * takes (a stdio server has no URL or headers; an HTTP server no command or environment).
 */
export function applyServerChanges(draft: ServerDraft, changes: ServerChanges): ServerDraft {
  const next: ServerDraft = { ...draft, secrets: { ...draft.secrets } };
  if (changes.name !== undefined) next.name = changes.name.trim();
  if (changes.description !== undefined) next.description = blankToNull(changes.description);
  if (changes.transport !== undefined) next.transport = changes.transport;
  if (changes.url !== undefined) next.url = blankToNull(changes.url);
  if (changes.command !== undefined) next.command = blankToNull(changes.command);
  if (changes.args !== undefined) next.args = changes.args;
  if (changes.timeoutMs !== undefined) next.timeoutMs = changes.timeoutMs;
  if (changes.network !== undefined) next.network = changes.network;
  if (changes.allowElicitation !== undefined) next.allowElicitation = changes.allowElicitation;
  if (changes.allowSampling !== undefined) next.allowSampling = changes.allowSampling;
  if (changes.trustNewTools !== undefined) next.trustNewTools = changes.trustNewTools;
  if (changes.disabled !== undefined) next.status = changes.disabled ? "disabled" : "active";
  // Stored credentials were given for one origin: a change of scheme, host or port must not
  // carry them to another (whoever can edit a server could otherwise collect its bearer).
  if (credentialsMoveToNewOrigin(draft.url, next.url)) {
    delete next.secrets.headers;
    delete next.secrets.bearer;
  }
  if (changes.headers !== undefined) setOrClear(next.secrets, "headers", nonEmptyRecord(changes.headers));
  if (changes.bearer !== undefined) setOrClear(next.secrets, "bearer", blankToNull(changes.bearer));
  if (changes.env !== undefined) setOrClear(next.secrets, "env", nonEmptyRecord(changes.env));

  if (next.transport === "stdio") {
    next.url = null;
    delete next.secrets.headers;
    delete next.secrets.bearer;
  } else {
    next.command = null;
    next.args = [];
    delete next.secrets.env;
    // Cutting the network is a sandbox setting of stdio servers; an HTTP server needs it.
    next.network = true;
  }
  return next;
}

/**
 * Checks a draft with the config file's own schema, so the console accepts exactly what
 * `portcullis apply` accepts.
 * @throws AppError INVALID_INPUT with `details.fieldErrors` keyed by form field (`url`, `headers.X-Key`).
 */
export function validateServerDraft(draft: ServerDraft): void {
  const fieldErrors: Record<string, string[]> = {};
  const add = (field: string, message: string) => {
    fieldErrors[field] = [...(fieldErrors[field] ?? []), message];
  };
  if (draft.transport === "stdio" && draft.command === null) add("command", "a stdio server needs a command");
  if (draft.transport !== "stdio" && draft.url === null) {
    add("url", `${draft.transport === "sse" ? "an SSE" : "a Streamable HTTP"} server needs a URL`);
  }
  if (Object.keys(fieldErrors).length === 0) {
    const parsed = configServer.safeParse(toConfigEntry(draft));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) add(formatConfigPath(issue.path), issue.message);
    }
  }
  if (Object.keys(fieldErrors).length > 0) {
    const summary = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join("; ")}`)
      .join(", ");
    throw new AppError("INVALID_INPUT", `invalid server: ${summary}`, { details: { fieldErrors } });
  }
}

/** The draft as a `servers:` entry of a config file (secret values inline). */
function toConfigEntry(draft: ServerDraft): Record<string, unknown> {
  const common = {
    name: draft.name,
    ...(draft.description !== null && { description: draft.description }),
    timeoutMs: draft.timeoutMs,
    ...(draft.status === "disabled" && { disabled: true }),
    ...(!draft.allowElicitation && { allowElicitation: false }),
    ...(draft.allowSampling && { allowSampling: true }),
    ...(draft.trustNewTools && { trustNewTools: true }),
  };
  if (draft.transport === "stdio") {
    return {
      ...common,
      transport: "stdio",
      command: draft.command,
      args: draft.args,
      ...(draft.secrets.env && { env: draft.secrets.env }),
      ...(!draft.network && { network: false }),
    };
  }
  return {
    ...common,
    transport: draft.transport,
    url: draft.url,
    ...(draft.secrets.headers && { headers: draft.secrets.headers }),
    ...(draft.secrets.bearer !== undefined && { bearer: draft.secrets.bearer }),
  };
}

/** The Server columns a draft sets (plain env is unused: all stdio env is sealed, as in apply). */
export function serverRowData(draft: ServerDraft, secretKey: Buffer) {
  const hasSecrets = Object.keys(draft.secrets).length > 0;
  return {
    name: draft.name,
    description: draft.description,
    transport: toDbTransport(draft.transport),
    url: draft.url,
    command: draft.command,
    args: draft.args,
    env: Prisma.DbNull,
    secrets: hasSecrets ? sealSecrets(draft.secrets, secretKey) : null,
    timeoutMs: draft.timeoutMs,
    network: draft.network,
    allowElicitation: draft.allowElicitation,
    allowSampling: draft.allowSampling,
    trustNewTools: draft.trustNewTools,
    status: draft.status,
  };
}

/** Which secrets a server holds, by name only: values never leave the control plane. */
export function secretNames(secrets: UpstreamSecrets): { headers: string[]; bearer: boolean; env: string[] } {
  return {
    headers: Object.keys(secrets.headers ?? {}).sort(),
    bearer: secrets.bearer !== undefined,
    env: Object.keys(secrets.env ?? {}).sort(),
  };
}

/**
 * Whether a URL change moves the server to another origin (scheme, host, port): the stored
 * headers and bearer are then dropped unless the same change brings new ones. A URL that
 * does not parse counts as another origin (validation rejects it anyway).
 */
export function credentialsMoveToNewOrigin(before: string | null, after: string | null): boolean {
  if (before === null || after === null || before === after) return false;
  return originOf(before) === null || originOf(before) !== originOf(after);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function setOrClear<K extends keyof UpstreamSecrets>(
  secrets: UpstreamSecrets,
  key: K,
  value: UpstreamSecrets[K] | null,
): void {
  if (value === null || value === undefined) delete secrets[key];
  else secrets[key] = value;
}

function blankToNull(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : trimmed;
}

function nonEmptyRecord(record: Record<string, string> | null): Record<string, string> | null {
  if (record === null) return null;
  const entries = Object.entries(record).filter(([k]) => k.trim() !== "");
  return entries.length === 0 ? null : Object.fromEntries(entries);
}

/** Whether applying `changes` dropped stored headers or bearer because the URL moved to another origin. */
export function credentialsDropped(before: ServerDraft, after: ServerDraft, changes: ServerChanges): boolean {
  if (!credentialsMoveToNewOrigin(before.url, after.url)) return false;
  const hadCredentials = before.secrets.headers !== undefined || before.secrets.bearer !== undefined;
  return hadCredentials && changes.headers === undefined && changes.bearer === undefined;
}
