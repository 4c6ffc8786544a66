import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import MiniSearch from "minisearch";
import { expandQuery, processTerm, tokenize } from "./tool-text";

/** One searchable tool: what the index reads and what a hit hands back. */
export interface SearchableTool {
  tool: SnapshotTool;
  server: SnapshotServer;
}

export interface ToolHit<T extends SearchableTool = SearchableTool> {
  entry: T;
  score: number;
}

interface IndexedDoc {
  id: number;
  name: string;
  title: string;
  description: string;
  args: string;
  server: string;
}

// Field weights, tuned on bench/context-cost.ts (its tasks are not read here): the tool's own
// name says most, then its server's (a task often names the product), then the rest.
const BOOST = { name: 2, title: 2, server: 3, args: 1, description: 2 };

function argumentNames(schema: Record<string, unknown>): string {
  const props = schema.properties;
  return props && typeof props === "object" ? Object.keys(props).join(" ") : "";
}

/**
 * A BM25 index (MiniSearch) over one caller's tools: names, titles, descriptions, argument
 * names and server names. Built over exactly the tools the caller may call, so a hit can
 * never be a tool it was not granted (and no per-result filter runs on the search path).
 */
export class ToolSearchIndex<T extends SearchableTool = SearchableTool> {
  private readonly search = new MiniSearch<IndexedDoc>({
    fields: ["name", "title", "description", "args", "server"],
    tokenize,
    processTerm,
    searchOptions: {
      boost: BOOST,
      // Prefix from three letters (it completes the light stemming), one typo from six.
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 7 ? 1 : false),
      weights: { prefix: 0.4, fuzzy: 0.25 },
      combineWith: "OR",
    },
  });
  private readonly recent = new Map<string, ToolHit<T>[]>();

  constructor(private readonly entries: readonly T[]) {
    this.search.addAll(
      entries.map(({ tool, server }, id) => ({
        id,
        name: tool.upstreamName,
        title: tool.title ?? "",
        description: tool.description ?? "",
        args: argumentNames(tool.inputSchema),
        server: server.name,
      })),
    );
  }

  get size(): number {
    return this.entries.length;
  }

  /** The best `limit` tools for a query, best first; an empty query finds nothing. */
  find(query: string, limit: number): ToolHit<T>[] {
    const key = `${limit}\u0000${query}`;
    const cached = this.recent.get(key);
    if (cached) return cached;
    const hits = this.rank(query, limit);
    // A small cache of recent queries: agents repeat searches within a session.
    if (this.recent.size >= 256) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(key, hits);
    return hits;
  }

  /** `find` without the cache of recent queries (what the bench measures). */
  rank(query: string, limit: number): ToolHit<T>[] {
    return this.search
      .search(expandQuery(query))
      .slice(0, limit)
      .map((r) => ({ entry: this.entries[r.id as number] as T, score: r.score }));
  }
}
