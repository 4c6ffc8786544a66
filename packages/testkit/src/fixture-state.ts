import {
  defaultFixtureTools,
  type FixtureTools,
  type RegisteredFixtureTool,
  registerFixtureSurface,
} from "../fixtures/surface.mjs";

export type { FixtureTool, FixtureToolResult, FixtureTools } from "../fixtures/surface.mjs";

/** Options shared by every in-process fixture server. */
export interface FixtureServerOptions {
  /** Extra tools, or replacements for default tools of the same name. */
  tools?: FixtureTools;
  /** Called on every tool call, before the tool runs. */
  onCall?: (name: string, args: Record<string, unknown>) => void;
  /** When set, every request without `Authorization: Bearer <token>` gets 401. */
  requireBearer?: string;
  /** Shows up in the server name and the readme resource, to tell fixtures apart. */
  tag?: string;
}

/** What the fixture starters return. */
export interface FixtureServer {
  /** The MCP endpoint (for SSE: the GET /sse URL). */
  url: string;
  tag: string;
  /** Tool calls served so far. */
  readonly calls: number;
  /** MCP sessions opened so far (stateful servers; the modern server has none and reports 0). */
  readonly sessionsOpened: number;
  /** Changes a tool's description; sessions that are already open see it on their next tools/list. */
  setToolDescription(name: string, description: string): void;
  /** Starts listing a tool declared `unlisted`, as an upstream that adds a tool does (open sessions too). */
  listTool(name: string): void;
  /**
   * Forgets every open MCP session, as a restarted or expiring server does: requests that
   * carry an old session id get 404. No-op on the stateless modern server.
   */
  dropSessions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The mutable definition behind one fixture: its tool table and counters, and the tool
 * registrations of the sessions currently open (so a definition change reaches them too).
 */
export class FixtureState {
  readonly tag: string;
  readonly tools: FixtureTools;
  calls = 0;
  sessionsOpened = 0;
  private readonly live = new Set<Map<string, RegisteredFixtureTool>>();
  private readonly onCall: FixtureServerOptions["onCall"];

  constructor(defaultTag: string, options: FixtureServerOptions = {}) {
    this.tag = options.tag ?? defaultTag;
    this.tools = { ...defaultFixtureTools(), ...options.tools };
    this.onCall = options.onCall;
  }

  /** Registers the surface on a server; `release()` forgets it when its session ends. */
  register(server: unknown, flavor: "v1" | "v2"): { release(): void } {
    const registered = registerFixtureSurface(server, {
      flavor,
      tools: this.tools,
      tag: this.tag,
      onCall: (name, args) => {
        this.calls++;
        this.onCall?.(name, args);
      },
    });
    this.live.add(registered);
    return { release: () => this.live.delete(registered) };
  }

  setToolDescription(name: string, description: string): void {
    const tool = this.tools[name];
    if (!tool) throw new Error(`fixture has no tool '${name}'`);
    this.tools[name] = { ...tool, description };
    for (const registered of this.live) registered.get(name)?.update({ description });
  }

  listTool(name: string): void {
    const tool = this.tools[name];
    if (!tool) throw new Error(`fixture has no tool '${name}'`);
    this.tools[name] = { ...tool, unlisted: false };
    for (const registered of this.live) registered.get(name)?.enable();
  }
}
