import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@portcullis/contracts/errors";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { JsonRpcMessage } from "../http/json-rpc";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { type SessionRecord, SessionStore } from "./session-store";
import { SessionStreams } from "./session-streams";

export const SESSION_HEADER = "mcp-session-id";

/**
 * `Mcp-Session-Id` sessions for 2025-era clients (issue 9 point 4), kept in Redis so any
 * replica continues a session another opened: the 2025 `initialize` answer carries a new
 * session id; later requests that name it must name one of the same agent (else 404, which
 * tells the client to initialize again); GET opens the session's event stream (resumable
 * with `Last-Event-ID` on any replica); DELETE ends it. Requests themselves stay stateless
 * (the SDK's legacy leg answers each one), so nothing else needs the session.
 */
export class SessionHttp {
  readonly store: SessionStore;
  private readonly streams: SessionStreams;

  constructor(
    redis: Redis,
    names: ConstructorParameters<typeof SessionStore>[1],
    private readonly logger: Logger,
  ) {
    this.store = new SessionStore(redis, names);
    this.streams = new SessionStreams(redis, names, this.store, logger);
  }

  /**
   * Before the SDK: checks the session a request names, and serves GET and DELETE on it.
   * Returns "served" when the response is written here, else the session (or null: none named).
   * `opened` is told once a GET stream is open or a DELETE is done: each is one audit event,
   * recorded then (a stream may stay open for hours, and what it carries is not audited again).
   * @throws AppError NOT_FOUND for a session that does not exist or belongs to another agent.
   */
  async before(
    req: IncomingMessage,
    res: ServerResponse,
    call: CallContext,
    opened: () => void = () => undefined,
  ): Promise<"served" | SessionRecord | null> {
    const header = req.headers[SESSION_HEADER];
    if (typeof header !== "string") return null;
    let session: SessionRecord | null;
    try {
      session = await this.store.touch(header);
    } catch (err) {
      // Redis is down: requests are served statelessly anyway, so serve this one without its
      // session rather than refuse it (its GET stream cannot be served until Redis is back).
      this.logger.warn({ err: String(err) }, "session store unreachable; serving without the session");
      delete req.headers[SESSION_HEADER];
      if (req.method === "GET" || req.method === "DELETE")
        throw new AppError("UNAVAILABLE", "sessions are unavailable right now; retry shortly");
      return null;
    }
    if (!session || session.agentId !== policySubject(call.identity).id) {
      throw new AppError("NOT_FOUND", "session not found: it ended or expired; initialize a new one");
    }
    // The SDK serves each request statelessly; the session is ours.
    delete req.headers[SESSION_HEADER];
    if (req.method === "DELETE") {
      await this.store.end(session.id);
      res.writeHead(200, { [SESSION_HEADER]: session.id }).end();
      call.audit.resultSummary = "session ended";
      opened();
      return "served";
    }
    if (req.method === "GET") {
      const last = req.headers["last-event-id"];
      call.audit.resultSummary =
        typeof last === "string" ? `event stream resumed after ${last}` : "event stream opened";
      await this.stream(res, session, typeof last === "string" ? last : null, opened);
      return "served";
    }
    return session;
  }

  /** After the SDK answered: a successful 2025 `initialize` opens a session (its id goes in a header). */
  async after(
    call: CallContext,
    message: JsonRpcMessage | null,
    response: Response,
    session: SessionRecord | null,
  ): Promise<Record<string, string>> {
    if (session) return { [SESSION_HEADER]: session.id };
    if (message?.method !== "initialize" || response.status !== 200) return {};
    try {
      const created = await this.store.create({
        agentId: policySubject(call.identity).id,
        orgId: policySubject(call.identity).orgId,
        protocolVersion: call.protocolVersion ?? "",
      });
      return { [SESSION_HEADER]: created.id };
    } catch (err) {
      // Without Redis no session is issued: the client works statelessly, as before sessions.
      this.logger.warn({ err: String(err) }, "session store unreachable; no session issued");
      return {};
    }
  }

  /** Tells every open session that tools may have changed (once per version, whichever replica is first). */
  async toolsChanged(version: number): Promise<void> {
    const note = { jsonrpc: "2.0", method: "notifications/tools/list_changed" };
    for (const id of await this.store.openIds()) {
      await this.store.append(id, note, `tools:${version}`).catch(() => undefined);
    }
  }

  /** Ends every open stream (shutdown): clients reconnect to another replica with Last-Event-ID. */
  close(): void {
    this.streams.close();
  }

  private async stream(
    res: ServerResponse,
    session: SessionRecord,
    lastEventId: string | null,
    opened: () => void,
  ): Promise<void> {
    const after = lastEventId ?? (await this.store.lastEventId(session.id));
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      [SESSION_HEADER]: session.id,
    });
    res.flushHeaders();
    opened();
    await new Promise<void>((resolve) => {
      const remove = this.streams.add({
        sessionId: session.id,
        after,
        send: (eventId, message) => void res.write(`id: ${eventId}\nevent: message\ndata: ${message}\n\n`),
        keepAlive: () => void res.write(": keep-alive\n\n"),
        end: () => res.end(),
      });
      res.on("close", () => {
        remove();
        resolve();
      });
    });
  }
}
