import type { TransportKind } from "@portcullis/contracts/snapshot";
import type { TransportKind as DbTransportKind } from "@portcullis/db/client";

// Postgres enum labels cannot contain "-", so the database spells it `streamable_http`;
// every contract (config file, snapshot, upstream spec) uses the MCP spelling.
const TO_CONTRACT: Record<DbTransportKind, TransportKind> = {
  streamable_http: "streamable-http",
  sse: "sse",
  stdio: "stdio",
};

export function toContractTransport(kind: DbTransportKind): TransportKind {
  return TO_CONTRACT[kind];
}

export function toDbTransport(kind: TransportKind): DbTransportKind {
  return kind === "streamable-http" ? "streamable_http" : kind;
}
