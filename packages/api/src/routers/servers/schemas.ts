import { entityName } from "@portcullis/control/naming";
import { z } from "zod";
import { entityId } from "../inputs";

export const transport = z.enum(["streamable-http", "sse", "stdio"]);
const secretRecord = z.record(z.string().trim().min(1).max(256), z.string().max(8192));

/**
 * A server as the add form sends it. Cross-field rules (a URL for HTTP, a command for
 * stdio, URL syntax, timeout bounds) are the config file's, checked in the use case.
 */
export const serverFieldsInput = z.object({
  name: entityName,
  description: z.string().trim().max(1000).nullish(),
  transport,
  url: z.string().trim().max(2048).nullish(),
  command: z.string().trim().max(1024).nullish(),
  args: z.array(z.string().max(4096)).max(200).optional(),
  /** stdio only; sealed like every secret. */
  env: secretRecord.optional(),
  /** HTTP and SSE only; sealed. */
  headers: secretRecord.optional(),
  /** HTTP and SSE only; sent as `Authorization: Bearer …`; sealed. */
  bearer: z.string().max(8192).nullish(),
  timeoutMs: z.number().int().optional(),
  /** stdio only: false runs the server without network access (bubblewrap sandbox). */
  network: z.boolean().optional(),
  /** May the server ask the agent's user for input during a call (default true). */
  allowElicitation: z.boolean().optional(),
  /** May the server ask the agent's client to sample its model during a call (default false). */
  allowSampling: z.boolean().optional(),
  /** Serve tools the server first lists after its first sync without review (default false: quarantined). */
  trustNewTools: z.boolean().optional(),
  disabled: z.boolean().optional(),
});

/** A partial change. `headers`, `bearer`, `env`: undefined keeps what is stored, null clears it. */
export const serverChangesInput = z.object({
  id: entityId,
  name: entityName.optional(),
  description: z.string().trim().max(1000).nullish(),
  transport: transport.optional(),
  url: z.string().trim().max(2048).nullish(),
  command: z.string().trim().max(1024).nullish(),
  args: z.array(z.string().max(4096)).max(200).optional(),
  env: secretRecord.nullable().optional(),
  headers: secretRecord.nullable().optional(),
  bearer: z.string().max(8192).nullable().optional(),
  timeoutMs: z.number().int().optional(),
  network: z.boolean().optional(),
  allowElicitation: z.boolean().optional(),
  allowSampling: z.boolean().optional(),
  trustNewTools: z.boolean().optional(),
  disabled: z.boolean().optional(),
});

/** servers.list items (an output whitelist: nothing secret can pass through it). */
export const serverSummary = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  transport,
  url: z.string().nullable(),
  command: z.string().nullable(),
  status: z.enum(["active", "disabled"]),
  health: z.enum(["unknown", "healthy", "unhealthy"]),
  toolCount: z.number().int(),
  lastSyncAt: z.date().nullable(),
  lastError: z.string().nullable(),
  hasSecrets: z.boolean(),
});

export const serverDetail = serverSummary.extend({
  args: z.array(z.string()),
  /** stdio: the exact command line the gateway and the worker start (null for HTTP servers). */
  commandLine: z.string().nullable(),
  network: z.boolean(),
  allowElicitation: z.boolean(),
  allowSampling: z.boolean(),
  trustNewTools: z.boolean(),
  timeoutMs: z.number().int(),
  secretNames: z
    .object({ headers: z.array(z.string()), bearer: z.boolean(), env: z.array(z.string()) })
    .nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});

/** One schema for the console's answer and the worker's job result. */
export { connectionTestResult } from "@portcullis/contracts/jobs";

export const syncStatus = z.object({
  state: z.enum(["waiting", "active", "completed", "failed"]),
  progress: z.number().min(0).max(100),
  step: z.enum(["connecting", "listing", "storing", "publishing"]).nullable(),
  result: z
    .object({
      added: z.array(z.string()),
      changed: z.array(z.string()),
      removed: z.array(z.string()),
      unchanged: z.number().int(),
      snapshotVersion: z.number().int().nullable(),
    })
    .nullable(),
  error: z.string().nullable(),
  serverId: z.string(),
});
