import type { ServerNotifier } from "@modelcontextprotocol/server";
import { AppError } from "@portcullis/contracts/errors";
import type { Logger } from "pino";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { type CatalogDeps, listResources } from "./resources-and-prompts";

/** Upstream watches kept at most (each is one subscription on an upstream connection). */
const MAX_WATCHES = 10_000;

/**
 * Resource subscriptions: a client names the URIs it wants `notifications/resources/updated`
 * for, the gateway keeps only those the agent may read (a URI its resource grants list), and
 * subscribes upstream once per server and URI; the upstream's updates are published on the
 * serving entry's event bus, which delivers them to the listen streams that opted in.
 *
 * 2026-07-28 clients subscribe with `subscriptions/listen` (the acknowledgement names what
 * was kept). 2025 clients would need a session to receive updates, which stateless serving
 * does not keep (issue 9 point 4): their `resources/subscribe` is checked and then refused,
 * saying so.
 */
export class ResourceSubscriptions {
  private readonly watched = new Map<string, Promise<unknown>>();

  constructor(
    private readonly catalog: CatalogDeps,
    private readonly notifier: () => ServerNotifier,
    private readonly logger: Logger,
  ) {}

  /** The URIs of `requested` the agent may subscribe to; each is then watched upstream. */
  async admit(ctx: CallContext, requested: string[]): Promise<string[]> {
    const resources = await listResources(this.catalog, ctx);
    const granted = new Set(resources.map((r) => r.uri));
    const admitted = requested.filter((uri) => granted.has(uri));
    for (const uri of admitted) this.watch(ctx, uri);
    return admitted;
  }

  /** resources/subscribe from a client: decided like a listen, refused for 2025 clients (no session). */
  async subscribe(ctx: CallContext, uri: string, era: "legacy" | "modern"): Promise<void> {
    ctx.audit.toolName = uri;
    const [admitted] = await this.admit(ctx, [uri]);
    if (!admitted) throw new AppError("NOT_FOUND", `unknown resource '${uri}'`);
    if (era === "legacy")
      throw new AppError(
        "UNAVAILABLE",
        "resource update notifications need a session, which this gateway does not keep for 2025 clients yet; a 2026-07-28 client subscribes with subscriptions/listen",
      );
  }

  private watch(ctx: CallContext, uri: string): void {
    const ownerId = this.catalog.resourceOwners.get(`${policySubject(ctx.identity).orgId} ${uri}`);
    const server = ownerId ? ctx.snapshot.serversById.get(ownerId) : undefined;
    if (!server) return;
    const key = `${server.id} ${uri}`;
    if (this.watched.has(key) || this.watched.size >= MAX_WATCHES) return;
    const watching = this.catalog.pool
      .watchResource(ctx.snapshot.upstreamSpec(server), uri, () => this.notifier().resourceUpdated(uri))
      .catch((err: unknown) => {
        // Not watched after all: the next subscription tries again.
        this.watched.delete(key);
        this.logger.warn({ server: server.name, uri, err: String(err) }, "could not subscribe upstream");
      });
    this.watched.set(key, watching);
  }
}
