import { openSecrets, type UpstreamSecrets } from "@portcullis/auth/secrets";
import { AppError } from "@portcullis/contracts/errors";
import type { Server } from "@portcullis/db/client";
import type { UpstreamSpec } from "@portcullis/upstream/types";
import { toContractTransport } from "./transport";

export type ServerConnectionFields = Pick<
  Server,
  "id" | "name" | "transport" | "url" | "command" | "args" | "env" | "secrets" | "timeoutMs" | "network"
>;

/**
 * Builds what the upstream pool needs to reach a server: opens its sealed secrets and
 * injects them (bearer → `Authorization` header, secret env merged over plain env).
 * Shared by catalog sync and the console's "test connection".
 */
export function toUpstreamSpec(server: ServerConnectionFields, secretKey: Buffer): UpstreamSpec {
  const secrets = openServerSecrets(server, secretKey);
  const headers: Record<string, string> = { ...secrets.headers };
  if (secrets.bearer !== undefined) headers.Authorization = `Bearer ${secrets.bearer}`;
  const env: Record<string, string> = { ...plainEnv(server.env), ...secrets.env };
  return {
    id: server.id,
    name: server.name,
    transport: toContractTransport(server.transport),
    ...(server.url !== null && { url: server.url }),
    ...(server.command !== null && { command: server.command }),
    args: server.args,
    ...(Object.keys(env).length > 0 && { env }),
    network: server.network,
    ...(Object.keys(headers).length > 0 && { headers }),
    timeoutMs: server.timeoutMs,
  };
}

/** Opens a server's sealed secrets; an empty object when it has none. */
export function openServerSecrets(
  server: Pick<Server, "name" | "secrets">,
  secretKey: Buffer,
): UpstreamSecrets {
  if (server.secrets === null) return {};
  try {
    return openSecrets(server.secrets, secretKey);
  } catch (cause) {
    throw new AppError(
      "INVALID_INPUT",
      `the credentials of server "${server.name}" cannot be opened with PORTCULLIS_SECRET_KEY ` +
        "(was the key changed since they were stored?); re-apply the server's configuration",
      { cause },
    );
  }
}

function plainEnv(env: unknown): Record<string, string> {
  if (env === null || typeof env !== "object" || Array.isArray(env)) return {};
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}
