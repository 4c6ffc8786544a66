import { openSecrets, type UpstreamSecrets } from "@portcullis/auth/secrets";
import type {
  ConfigSnapshot,
  SnapshotAgent,
  SnapshotGrant,
  SnapshotKey,
  SnapshotPerson,
  SnapshotPolicy,
  SnapshotServer,
  SnapshotTool,
} from "@portcullis/contracts/snapshot";
import { type AgentView, agentView } from "@portcullis/policy/agent-view";
import { personView } from "@portcullis/policy/person-view";
import type { UpstreamSpec } from "@portcullis/upstream/types";
import type { AgentIdentity } from "../pipeline/authenticate";

/**
 * A parsed snapshot with the indexes the hot path needs. Built once when a version is
 * loaded, so a request never scans arrays or parses JSON.
 */
export class CompiledSnapshot {
  readonly version: number;
  readonly doc: ConfigSnapshot;
  readonly keysByHash = new Map<string, SnapshotKey>();
  readonly agentsById = new Map<string, SnapshotAgent>();
  /** `${orgId} ${personId}` → person: the people OAuth tokens are accepted for. */
  readonly peopleByOrgAndId = new Map<string, SnapshotPerson>();
  /** OAuth grants revoked in the console: their tokens are refused until they expire. */
  readonly revokedOAuthGrants: ReadonlySet<string>;
  readonly serversById = new Map<string, SnapshotServer>();
  /** `${orgId}/${exposedName}` → tool, for telling "denied" from "unknown". */
  readonly toolsByOrgAndName = new Map<string, SnapshotTool>();
  readonly toolsByOrg = new Map<string, SnapshotTool[]>();
  readonly grantsByServer = new Map<string, SnapshotGrant[]>();
  private readonly views = new Map<string, AgentView>();
  private readonly compiledPolicies = new Map<string, unknown>();
  private readonly specs = new Map<string, UpstreamSpec>();

  constructor(
    doc: ConfigSnapshot,
    private readonly secretKey: Buffer,
  ) {
    this.version = doc.version;
    this.doc = doc;
    for (const k of doc.keys) this.keysByHash.set(k.hash, k);
    for (const a of doc.agents) this.agentsById.set(a.id, a);
    for (const p of doc.people) this.peopleByOrgAndId.set(`${p.orgId} ${p.id}`, p);
    this.revokedOAuthGrants = new Set(doc.revokedOAuthGrants);
    for (const s of doc.servers) this.serversById.set(s.id, s);
    for (const t of doc.tools) {
      const server = this.serversById.get(t.serverId);
      if (!server) continue;
      this.toolsByOrgAndName.set(`${server.orgId}/${t.exposedName}`, t);
      const list = this.toolsByOrg.get(server.orgId) ?? [];
      list.push(t);
      this.toolsByOrg.set(server.orgId, list);
    }
    for (const g of doc.grants) {
      const list = this.grantsByServer.get(g.serverId) ?? [];
      list.push(g);
      this.grantsByServer.set(g.serverId, list);
    }
  }

  viewFor(agent: SnapshotAgent): AgentView {
    let view = this.views.get(agent.id);
    if (view) return view;
    view = agentView(agent, this.toolsByOrg.get(agent.orgId) ?? [], this.serversById, this.grantsByServer);
    this.views.set(agent.id, view);
    return view;
  }

  /** What a person sees, cached per version like an agent's view (ids never collide: `usr_` vs `agt_`). */
  viewForPerson(person: SnapshotPerson): AgentView {
    const cacheKey = `${person.orgId} ${person.id}`;
    let view = this.views.get(cacheKey);
    if (view) return view;
    view = personView(person, this.toolsByOrg.get(person.orgId) ?? [], this.serversById, this.grantsByServer);
    this.views.set(cacheKey, view);
    return view;
  }

  /** The caller's view, agent or person. */
  viewOf(identity: AgentIdentity): AgentView {
    return identity.kind === "agent" ? this.viewFor(identity.agent) : this.viewForPerson(identity.person);
  }

  /**
   * A per-kind compiled form of this snapshot's policies (DLP matchers, rate-limit rules…),
   * built on first use and kept for the snapshot's lifetime, so no request compiles a rule.
   */
  policiesCompiled<T>(kind: SnapshotPolicy["kind"], compile: (policies: SnapshotPolicy[]) => T): T {
    if (!this.compiledPolicies.has(kind)) {
      this.compiledPolicies.set(kind, compile(this.doc.policies.filter((p) => p.kind === kind)));
    }
    return this.compiledPolicies.get(kind) as T;
  }

  /** The connection spec for a server, with its sealed credentials opened (cached per version). */
  upstreamSpec(server: SnapshotServer): UpstreamSpec {
    let spec = this.specs.get(server.id);
    if (spec) return spec;
    const secrets: UpstreamSecrets = server.secrets ? openSecrets(server.secrets, this.secretKey) : {};
    const headers: Record<string, string> = { ...secrets.headers };
    if (secrets.bearer) headers.Authorization = `Bearer ${secrets.bearer}`;
    spec = {
      id: server.id,
      name: server.name,
      transport: server.transport,
      url: server.url,
      command: server.command,
      args: server.args,
      env: server.env || secrets.env ? { ...server.env, ...secrets.env } : null,
      network: server.network,
      headers,
      timeoutMs: server.timeoutMs,
    };
    this.specs.set(server.id, spec);
    return spec;
  }

  activeServerSpecs(): UpstreamSpec[] {
    const out: UpstreamSpec[] = [];
    for (const s of this.doc.servers) {
      if (s.status !== "active") continue;
      try {
        out.push(this.upstreamSpec(s));
      } catch {
        // A server whose secrets cannot be opened is skipped here; calls to it report the error.
      }
    }
    return out;
  }
}
