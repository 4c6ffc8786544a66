import { AppError } from "@portcullis/contracts/errors";
import type { Logger } from "pino";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import type { SessionStore } from "../sessions/session-store";
import { type CatalogDeps, listResources } from "./resources-and-prompts";
import type { ScopedEventBus } from "./scoped-event-bus";

/** Upstream watches kept at most (each is one subscription on an upstream connection). */
const MAX_WATCHES = 10_000;

/** One upstream subscription (a server's URI) and who asked for it through the gateway. */
interface Watch {
  serverId: string;
  uri: string;
  /** Agents (or people) whose 2026-07-28 listen streams asked for this URI. */
  subjects: Set<string>;
  /** 2025-era sessions that sent `resources/subscribe` for it. */
  sessions: Set<string>;
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
 */
export class ResourceSubscriptions {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly catalog: CatalogDeps,
    private readonly bus: ScopedEventBus,
    private readonly sessions: SessionStore | null,
    private readonly logger: Logger,
  ) {}

  /** The URIs of `requested` the agent may subscribe to; each is then watched upstream for it. */
  async admit(ctx: CallContext, requested: string[]): Promise<string[]> {
    const resources = await listResources(this.catalog, ctx);
    const granted = new Set(resources.map((r) => r.uri));
    const admitted = requested.filter((uri) => granted.has(uri));
    for (const uri of admitted) this.watch(ctx, uri)?.subjects.add(policySubject(ctx.identity).id);
    return admitted;
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
    watch.sessions.add(ctx.sessionId);
  }

  /** resources/unsubscribe: the session stops hearing about `uri` (the upstream watch stays for others). */
  unsubscribe(ctx: CallContext, uri: string): void {
    ctx.audit.toolName = uri;
    if (!ctx.sessionId) return;
    for (const watch of this.watches.values())
      if (watch.uri === uri && this.ownedByOrg(ctx, watch)) watch.sessions.delete(ctx.sessionId);
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
    const watch: Watch = { serverId: server.id, uri, subjects: new Set(), sessions: new Set() };
    this.watches.set(key, watch);
    this.catalog.pool
      .watchResource(ctx.snapshot.upstreamSpec(server), uri, () => this.updated(watch))
      .catch((err: unknown) => {
        // Not watched after all: the next subscription tries again.
        this.watches.delete(key);
        this.logger.warn({ server: server.name, uri, err: String(err) }, "could not subscribe upstream");
      });
    return watch;
  }

  private updated(watch: Watch): void {
    this.bus.resourceUpdated(watch.uri, watch.subjects);
    if (!this.sessions || watch.sessions.size === 0) return;
    const note = { jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: watch.uri } };
    for (const sessionId of watch.sessions) {
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
