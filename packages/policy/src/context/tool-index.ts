import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import MiniSearch from "minisearch";

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
// name says most, its argument names tell apart tools of one verb ("by id" vs "by email").
const BOOST = { name: 3, title: 2, args: 1.5, description: 1, server: 1.2 };

// Words that appear in nearly every task and tool and so only add noise to BM25.
const STOP_WORDS = new Set(
  "a an and are as at be by for from get i in into is it its me my of on or our please the their this to use using want we with you your".split(
    " ",
  ),
);

/** Splits `createPullRequest`, `create_pull_request` and `create-pull-request` alike. */
function tokenize(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((t) => t.length > 0);
}

/**
 * Lower case, stop words out, and a light suffix strip so "issues", "listing" and "created"
 * meet "issue", "list" and "create" (prefix search covers the rest of the stem).
 */
function processTerm(term: string): string | null {
  const t = term.toLowerCase();
  if (STOP_WORDS.has(t)) return null;
  if (t.length > 4 && t.endsWith("ies")) return `${t.slice(0, -3)}y`;
  if (t.length > 5 && t.endsWith("ing")) return t.slice(0, -3);
  if (t.length > 4 && t.endsWith("ed")) return t.slice(0, -2);
  if (t.length > 4 && /(ss|x|ch|sh)es$/.test(t)) return t.slice(0, -2);
  if (t.length > 3 && t.endsWith("s") && !t.endsWith("ss")) return t.slice(0, -1);
  return t;
}

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
      // Prefix from four letters, one typo from six: wider matching costs latency at 10k tools.
      prefix: (term) => term.length >= 4,
      fuzzy: (term) => (term.length >= 6 ? 1 : false),
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
    const hits = this.search
      .search(query)
      .slice(0, limit)
      .map((r) => ({ entry: this.entries[r.id as number] as T, score: r.score }));
    // A small cache of recent queries: agents repeat searches within a session.
    if (this.recent.size >= 256) this.recent.delete(this.recent.keys().next().value as string);
    this.recent.set(key, hits);
    return hits;
  }
}
