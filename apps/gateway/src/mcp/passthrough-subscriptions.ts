import { AppError } from "@portcullis/contracts/errors";
import { decideItemAccess } from "@portcullis/policy/resource-grants";
import type { Logger } from "pino";
import type { AgentIdentity } from "../pipeline/authenticate";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import type { SessionStore } from "../sessions/session-store";
import type { CompiledSnapshot } from "../snapshot/compiled-snapshot";
import { itemViewsFor } from "./item-access";
import { type CatalogDeps, listResources } from "./resources-and-prompts";
import type { ScopedEventBus } from "./scoped-event-bus";

/** Upstream watches kept at most (each is one subscription on an upstream connection). */
const MAX_WATCHES = 10_000;

/** Who a subscription was admitted for, so that each new snapshot can decide it again. */
interface Subscriber {
  identity: AgentIdentity;
  /** Where it subscribed: `/mcp` (null) or a portal, which narrows what it may read. */
  endpoints: Set<string | null>;
  /** Open listen streams of a 2026-07-28 subscriber on this URI (unused for sessions). */
  streams?: number;
}

/** One upstream subscription (a server's URI) and who asked for it through the gateway. */
interface Watch {
  serverId: string;
  uri: string;
  /** Agents (or people) whose 2026-07-28 listen streams asked for this URI, by subject id. */
  subjects: Map<string, Subscriber>;
  /** 2025-era sessions that sent `resources/subscribe` for it, by session id. */
  sessions: Map<string, Subscriber>;
  /** Ends the upstream subscription; null until the upstream has acknowledged it. */
  unwatch: (() => void) | null;
  /** Ended before the upstream acknowledged: end it as soon as it does. */
  ended: boolean;
}

/**
 * Resource subscriptions: a client names the URIs it wants `notifications/resources/updated`
 * for, the gateway keeps only those the agent may read (a URI its resource grants list), and
 * subscribes upstream once per server and URI. A watch belongs to one server, so to one
 * organization, and remembers who asked: an update reaches only them.
 *
 * - 2026-07-28 clients subscribe with `subscriptions/listen` (the acknowledgement names what
 *   was kept); updates go to their listen streams through the scoped event bus.
 * - 2025-era clients send `resources/subscribe` inside an `Mcp-Session-Id` session; updates
 *   are appended to the session's event stream in Redis, which its GET stream carries on
 *   whichever replica holds it. Without a session there is nowhere to send them: refused.
 *
 * Grants are checked when a subscription is made and again on every snapshot swap
 * (`revalidate`): a subscriber that may no longer read the URI stops hearing about it, and
 * an upstream watch nobody may hear any more is ended.
 */
export class ResourceSubscriptions {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly catalog: CatalogDeps,
    private readonly bus: ScopedEventBus,
    private readonly sessions: SessionStore | null,
    private readonly logger: Logger,
  ) {}

  /**
   * The URIs of `requested` the agent may subscribe to; each is then watched upstream for it
   * until `release` (the listen stream closed): an agent with several listen streams stays
   * a subscriber until its last one on that URI closes.
   */
  async admit(ctx: CallContext, requested: string[]): Promise<{ uris: string[]; release: () => void }> {
    const resources = await listResources(this.catalog, ctx);
    const granted = new Set(resources.map((r) => r.uri));
    const admitted = requested.filter((uri) => granted.has(uri));
    const subjectId = policySubject(ctx.identity).id;
    const held: Array<{ watch: Watch; subscriber: Subscriber }> = [];
    for (const uri of admitted) {
      const watch = this.watch(ctx, uri);
      if (!watch) continue;
      admitTo(watch.subjects, subjectId, ctx);
      const subscriber = watch.subjects.get(subjectId)!;
      subscriber.streams = (subscriber.streams ?? 0) + 1;
      held.push({ watch, subscriber });
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const { watch, subscriber } of held) {
        // Dropped meanwhile by revalidate (a newer stream may have admitted a new subscriber).
        if (watch.subjects.get(subjectId) !== subscriber || !subscriber.streams) continue;
        subscriber.streams--;
        if (subscriber.streams > 0) continue;
        watch.subjects.delete(subjectId);
        const key = `${watch.serverId} ${watch.uri}`;
        if (watch.subjects.size === 0 && watch.sessions.size === 0 && this.watches.get(key) === watch)
          this.end(key, watch);
      }
    };
    return { uris: admitted, release };
  }

  /** resources/subscribe from a 2025-era client: granted URIs only, and only inside a session. */
  async subscribe(ctx: CallContext, uri: string): Promise<void> {
    ctx.audit.toolName = uri;
    const resources = await listResources(this.catalog, ctx);
    if (!resources.some((r) => r.uri === uri)) throw new AppError("NOT_FOUND", `unknown resource '${uri}'`);
    if (!ctx.sessionId || !this.sessions)
      throw new AppError(
        "UNAVAILABLE",
        "resource update notifications need a session: initialize without dropping the Mcp-Session-Id the gateway answered with (or, as a 2026-07-28 client, use subscriptions/listen)",
      );
    const watch = this.watch(ctx, uri);
    if (!watch) throw new AppError("UNAVAILABLE", `resource '${uri}' cannot be watched right now`);
    admitTo(watch.sessions, ctx.sessionId, ctx);
  }

  /** resources/unsubscribe: the session stops hearing about `uri` (the upstream watch stays for others). */
  unsubscribe(ctx: CallContext, uri: string): void {
    ctx.audit.toolName = uri;
    if (!ctx.sessionId) return;
    for (const watch of this.watches.values())
      if (watch.uri === uri && this.ownedByOrg(ctx, watch)) watch.sessions.delete(ctx.sessionId);
  }

  /**
   * Decides every subscription again against a new snapshot: one whose agent (or person,
   * key, OAuth grant) is gone, or whose resource grant no longer allows the URI, is dropped,
   * and a watch left without subscribers ends upstream. A subscriber whose grant comes back
   * later subscribes again, as it would after any refusal.
   */
  revalidate(snapshot: CompiledSnapshot): void {
    for (const [key, watch] of this.watches) {
      for (const subscribers of [watch.subjects, watch.sessions])
        for (const [id, subscriber] of subscribers)
          if (!mayStillRead(snapshot, watch, subscriber)) subscribers.delete(id);
      if (watch.subjects.size === 0 && watch.sessions.size === 0) this.end(key, watch);
    }
  }

  private end(key: string, watch: Watch): void {
    this.watches.delete(key);
    watch.ended = true;
    watch.unwatch?.();
    watch.unwatch = null;
  }

  private ownedByOrg(ctx: CallContext, watch: Watch): boolean {
    return ctx.snapshot.serversById.get(watch.serverId)?.orgId === policySubject(ctx.identity).orgId;
  }

  private watch(ctx: CallContext, uri: string): Watch | null {
    const ownerId = this.catalog.resourceOwners.get(`${policySubject(ctx.identity).orgId} ${uri}`);
    const server = ownerId ? ctx.snapshot.serversById.get(ownerId) : undefined;
    if (!server) return null;
    const key = `${server.id} ${uri}`;
    const known = this.watches.get(key);
    if (known) return known;
    if (this.watches.size >= MAX_WATCHES) return null;
    const watch: Watch = {
      serverId: server.id,
      uri,
      subjects: new Map(),
      sessions: new Map(),
      unwatch: null,
      ended: false,
    };
    this.watches.set(key, watch);
    this.catalog.pool
      .watchResource(ctx.snapshot.upstreamSpec(server), uri, () => this.updated(watch))
      .then((unwatch) => {
        if (watch.ended) unwatch();
        else watch.unwatch = unwatch;
      })
      .catch((err: unknown) => {
        // Not watched after all: the next subscription tries again.
        if (this.watches.get(key) === watch) this.watches.delete(key);
        this.logger.warn({ server: server.name, uri, err: String(err) }, "could not subscribe upstream");
      });
    return watch;
  }

  private updated(watch: Watch): void {
    this.bus.resourceUpdated(watch.uri, watch.subjects);
    if (!this.sessions || watch.sessions.size === 0) return;
    const note = { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: watch.uri } };
    for (const sessionId of watch.sessions.keys()) {
      const sessions = this.sessions;
      void sessions
        .isOpen(sessionId)
        .then(async (open) => {
          if (open) await sessions.append(sessionId, note);
          else watch.sessions.delete(sessionId);
        })
        .catch((err: unknown) => this.logger.warn({ err: String(err) }, "could not queue a resource update"));
    }
  }
}

function admitTo(subscribers: Map<string, Subscriber>, id: string, ctx: CallContext): void {
  const known = subscribers.get(id);
  if (known) {
    known.identity = ctx.identity;
    known.endpoints.add(ctx.portal);
  } else subscribers.set(id, { identity: ctx.identity, endpoints: new Set([ctx.portal]) });
}

/** The subscriber as the new snapshot knows it, or null when its credential is gone. */
function identityIn(snapshot: CompiledSnapshot, identity: AgentIdentity): AgentIdentity | null {
  if (identity.kind === "agent") {
    const key = snapshot.keysByHash.get(identity.key.hash);
    const agent = snapshot.agentsById.get(identity.agent.id);
    const expired = key?.expiresAt != null && Date.parse(key.expiresAt) <= Date.now();
    return key && !expired && agent && key.agentId === agent.id ? { ...identity, agent, key } : null;
  }
  if (snapshot.revokedOAuthGrants.has(identity.grantId)) return null;
  const person = snapshot.peopleByOrgAndId.get(`${identity.person.orgId} ${identity.person.id}`);
  return person ? { ...identity, person } : null;
}

/** Whether the subscriber may still read the watched URI through any endpoint it subscribed on. */
function mayStillRead(snapshot: CompiledSnapshot, watch: Watch, subscriber: Subscriber): boolean {
  const server = snapshot.serversById.get(watch.serverId);
  const identity = server ? identityIn(snapshot, subscriber.identity) : null;
  if (!server || !identity) return false;
  return [...subscriber.endpoints].some((portal) => {
    const grants = itemViewsFor(snapshot, identity, portal).resources;
    return (
      grants.servers.some((s) => s.id === server.id) &&
      decideItemAccess(grants, server, watch.uri).effect === "allow"
    );
  });
}
