import { createHash } from "node:crypto";
import { generateApiKey } from "@portcullis/auth/api-keys";
import { sealSecrets, type UpstreamSecrets } from "@portcullis/auth/secrets";
import { newId } from "@portcullis/contracts/ids";
import { uiResourceUriOf } from "@portcullis/contracts/mcp-apps";
import type { SnapshotPortal } from "@portcullis/contracts/portal";
import {
  type ConfigSnapshot,
  exposedToolName,
  type GrantEffect,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotAgent,
  type SnapshotGrant,
  type SnapshotItemGrant,
  type SnapshotKey,
  type SnapshotPerson,
  type SnapshotPolicy,
  type SnapshotServer,
  type SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { riskFromAnnotations } from "@portcullis/policy/risk";
import type { Tool, UpstreamSpec } from "@portcullis/upstream/types";

/**
 * Builds config snapshots for gateway tests without the control plane, so gateway tests
 * exercise exactly the contract the control plane publishes.
 */
export class SnapshotBuilder {
  readonly orgId = newId("organization");
  private readonly agents: SnapshotAgent[] = [];
  private keys: SnapshotKey[] = [];
  private readonly servers: SnapshotServer[] = [];
  private readonly tools: SnapshotTool[] = [];
  private grants: SnapshotGrant[] = [];
  private itemGrants: { resource: SnapshotItemGrant[]; prompt: SnapshotItemGrant[] } = {
    resource: [],
    prompt: [],
  };
  private readonly policies: SnapshotPolicy[] = [];
  private readonly portals: SnapshotPortal[] = [];
  private readonly people: SnapshotPerson[] = [];
  private readonly revokedOAuthGrants: string[] = [];
  private readonly teams = new Map<string, string>();

  constructor(private readonly secretKey: Buffer) {}

  team(name: string): string {
    let id = this.teams.get(name);
    if (!id) {
      id = newId("team");
      this.teams.set(name, id);
    }
    return id;
  }

  agent(name: string, team: string, status: "active" | "disabled" = "active"): SnapshotAgent {
    const agent = {
      id: newId("agent"),
      orgId: this.orgId,
      name,
      teamId: this.team(team),
      teamName: team,
      status,
    };
    this.agents.push(agent);
    return agent;
  }

  /** Returns the plaintext key; the snapshot holds only its hash. */
  key(agent: SnapshotAgent, expiresAt: Date | null = null): { key: string; id: string } {
    const generated = generateApiKey();
    const id = newId("apiKey");
    this.keys.push({
      id,
      agentId: agent.id,
      hash: generated.hash,
      expiresAt: expiresAt?.toISOString() ?? null,
    });
    return { key: generated.key, id };
  }

  revokeKey(id: string): void {
    this.keys = this.keys.filter((k) => k.id !== id);
  }

  server(
    spec: Partial<SnapshotServer> & Pick<SnapshotServer, "name" | "transport">,
    secrets?: UpstreamSecrets,
  ): SnapshotServer {
    const server: SnapshotServer = {
      id: newId("server"),
      orgId: this.orgId,
      url: null,
      command: null,
      args: [],
      env: null,
      network: true,
      allowElicitation: true,
      allowSampling: false,
      timeoutMs: 5_000,
      status: "active",
      ...spec,
      secrets: secrets ? sealSecrets(secrets, this.secretKey) : null,
    };
    this.servers.push(server);
    return server;
  }

  /** Adds tools as a catalog sync would have stored them. */
  addTools(server: SnapshotServer, tools: Tool[]): void {
    for (const t of tools) {
      this.tools.push({
        id: newId("tool"),
        serverId: server.id,
        upstreamName: t.name,
        exposedName: exposedToolName(server.name, t.name),
        title: t.title ?? null,
        description: t.description ?? null,
        inputSchema: t.inputSchema as Record<string, unknown>,
        outputSchema: (t.outputSchema as Record<string, unknown> | undefined) ?? null,
        annotations: (t.annotations as Record<string, unknown> | undefined) ?? null,
        execution: (t.execution as Record<string, unknown> | undefined) ?? null,
        uiResourceUri: uiResourceUriOf(t),
        riskClass: riskFromAnnotations(t.annotations),
        status: "active",
        definitionHash: createHash("sha256").update(JSON.stringify(t)).digest("hex"),
      });
    }
  }

  grant(
    subject: { team: string } | { agent: SnapshotAgent },
    server: SnapshotServer,
    toolPattern: string,
    effect: GrantEffect = "allow",
  ): SnapshotGrant {
    const grant: SnapshotGrant = {
      id: newId("grant"),
      orgId: this.orgId,
      teamId: "team" in subject ? this.team(subject.team) : null,
      agentId: "agent" in subject ? subject.agent.id : null,
      userId: null,
      serverId: server.id,
      toolPattern,
      effect,
      approvalTimeoutSec: null,
      reason: null,
    };
    this.grants.push(grant);
    return grant;
  }

  /** A grant on a server's resources (pattern: URI glob) or prompts (pattern: prompt-name glob). */
  itemGrant(
    kind: "resource" | "prompt",
    subject: { team: string } | { agent: SnapshotAgent },
    server: SnapshotServer,
    pattern: string,
    effect: SnapshotItemGrant["effect"] = "allow",
  ): SnapshotItemGrant {
    const grant: SnapshotItemGrant = {
      id: newId("grant"),
      orgId: this.orgId,
      teamId: "team" in subject ? this.team(subject.team) : null,
      agentId: "agent" in subject ? subject.agent.id : null,
      userId: null,
      serverId: server.id,
      pattern,
      effect,
      reason: null,
    };
    this.itemGrants[kind].push(grant);
    return grant;
  }

  /** How a test reaches the server directly (to list its tools as a catalog sync would). */
  upstreamSpecForTest(server: SnapshotServer): UpstreamSpec {
    return {
      id: server.id,
      name: server.name,
      transport: server.transport,
      url: server.url,
      command: server.command,
      args: server.args,
      timeoutMs: server.timeoutMs,
    };
  }

  /** Adds a policy (config unchecked here: the gateway validates it when it compiles). */
  policy(
    kind: SnapshotPolicy["kind"],
    config: Record<string, unknown>,
    scope: Partial<SnapshotPolicy["scope"]> = {},
    priority = 100,
  ): SnapshotPolicy {
    const policy: SnapshotPolicy = {
      id: newId("policy"),
      orgId: this.orgId,
      name: `${kind}-${this.policies.length + 1}`,
      kind,
      priority,
      scope: { teams: [], agents: [], servers: [], tools: [], ...scope },
      config,
    };
    this.policies.push(policy);
    return policy;
  }

  /** Adds a portal (`/mcp/<name>`); unchecked here, as the gateway must cope with any published one. */
  portal(
    name: string,
    tools: Array<{ server: SnapshotServer; tools: string[] }>,
    options: Partial<Pick<SnapshotPortal, "naming" | "exposure">> & {
      overrides?: Array<Omit<SnapshotPortal["overrides"][number], "pinned"> & { pinned?: boolean }>;
    } = {},
  ): SnapshotPortal {
    const portal: SnapshotPortal = {
      id: newId("portal"),
      orgId: this.orgId,
      name,
      naming: options.naming ?? "prefixed",
      exposure: options.exposure ?? "full",
      tools: tools.map((t) => ({ serverId: t.server.id, tools: t.tools })),
      overrides: (options.overrides ?? []).map((o) => ({ ...o, pinned: o.pinned ?? false })),
    };
    this.portals.push(portal);
    return portal;
  }

  /** A member of the organization, as an OAuth caller; `id` is the subject of their tokens. */
  person(
    id: string,
    email: string,
    teams: string[],
    status: SnapshotPerson["status"] = "active",
  ): SnapshotPerson {
    const person: SnapshotPerson = {
      id,
      orgId: this.orgId,
      email,
      name: null,
      teamIds: teams.map((t) => this.team(t)),
      status,
    };
    this.people.push(person);
    return person;
  }

  removePerson(id: string): void {
    const at = this.people.findIndex((p) => p.id === id);
    if (at >= 0) this.people.splice(at, 1);
  }

  revokeOAuthGrant(grantId: string): void {
    this.revokedOAuthGrants.push(grantId);
  }

  setServerUrl(server: SnapshotServer, url: string): void {
    server.url = url;
  }

  build(version: number): ConfigSnapshot {
    return structuredClone({
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      version,
      createdAt: new Date().toISOString(),
      agents: this.agents,
      keys: this.keys,
      servers: this.servers,
      tools: this.tools,
      grants: this.grants,
      resourceGrants: this.itemGrants.resource,
      promptGrants: this.itemGrants.prompt,
      policies: this.policies,
      portals: this.portals,
      people: this.people,
      revokedOAuthGrants: this.revokedOAuthGrants,
    });
  }
}
