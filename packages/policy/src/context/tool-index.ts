import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import SearchableMap from "minisearch/SearchableMap";
import { type Action, processTerm, queryAction, queryTerms, tokenize, toolAction } from "./tool-text";

const ACTIONS: readonly Action[] = ["read", "create", "update", "delete"];

/** One searchable tool: what the index reads and what a hit hands back. */
export interface SearchableTool {
  tool: SnapshotTool;
  server: SnapshotServer;
}

export interface ToolHit<T extends SearchableTool = SearchableTool> {
  entry: T;
  score: number;
}

export const FIELDS = ["name", "title", "description", "args", "server"] as const;
export type Field = (typeof FIELDS)[number];

/**
 * How tools are ranked, in MiniSearch's terms (tool-index.test.ts checks the compiled index
 * against a MiniSearch configured with these). Field weights, tuned on the tuning half of
 * bench/context-cost.ts's tasks (not read here): the tool's own name says most, then its
 * server's (a task often names the product), then the rest. BM25+ with MiniSearch's k1, b and d. Prefix
 * matches from three letters (they complete the light stemming), one typo from seven; a term
 * found that way weighs less than the word itself, and less the further it is from it.
 */
export const RANKING = {
  boost: { name: 2, title: 2, server: 3, args: 1, description: 2 } satisfies Record<Field, number>,
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  prefixFrom: 3,
  fuzzyFrom: 7,
  weights: { prefix: 0.4, fuzzy: 0.25 },
  /** A tool that does what the task asks (reads for a question, deletes for "remove …") scores this much more. */
  actionBoost: 0.25,
} as const;

function argumentNames(schema: Record<string, unknown>): string {
  const props = schema.properties;
  return props && typeof props === "object" ? Object.keys(props).join(" ") : "";
}

/** The text of each indexed field of a tool. */
export function fieldsOf({ tool, server }: SearchableTool): Record<Field, string> {
  return {
    name: tool.upstreamName,
    title: tool.title ?? "",
    description: tool.description ?? "",
    args: argumentNames(tool.inputSchema),
    server: server.name,
  };
}

/** The tools holding one index term, and what the term adds to each one's score. */
interface Posting {
  docs: Int32Array;
  scores: Float64Array;
}

/**
 * A BM25 index over one caller's tools: names, titles, descriptions, argument names and
 * server names, each field boosted. Built over exactly the tools the caller may call, so a
 * hit can never be a tool it was not granted (no per-result filter runs on the search path).
 *
 * Ranking is MiniSearch's (BM25+, prefix and fuzzy matches weighted down, a tool's score
 * multiplied by how many of the query's words it matched, and by 1 + `actionBoost` when the
 * tool does what the task asks: MiniSearch's `boostDocument`), but compiled: each term's
 * per-tool score is summed over the fields once, when the index is built, and the term
 * dictionary is MiniSearch's radix tree (`SearchableMap`) for the prefix and typo lookups. A
 * query then adds a few arrays of numbers, instead of scoring every field of every matching
 * tool and allocating a result per tool: at 10,000 tools that is the difference between
 * milliseconds and a tenth of one.
 */
export class ToolSearchIndex<T extends SearchableTool = SearchableTool> {
  private readonly dictionary = new SearchableMap<Posting>();
  private readonly recent = new Map<string, ToolHit<T>[]>();
  // Scratch space of one query, reused (the index serves one query at a time).
  private readonly scores: Float64Array;
  private readonly matched: Uint16Array;
  private readonly lastTerm: Int32Array;
  /** Per tool, its action (tool-text.ts), as an index into ACTIONS; -1 none. */
  private readonly actions: Int8Array;

  constructor(private readonly entries: readonly T[]) {
    const count = entries.length;
    this.scores = new Float64Array(count);
    this.matched = new Uint16Array(count);
    this.lastTerm = new Int32Array(count).fill(-1);
    this.actions = Int8Array.from(entries, ({ tool }) =>
      ACTIONS.indexOf(toolAction(tool.upstreamName, tool.description ?? "") as Action),
    );
    // Per term, its occurrences as (doc, field, frequency) in doc order, and per field how
    // many docs hold it; per doc and field, its length in distinct words (as MiniSearch counts).
    const lengths = FIELDS.map(() => new Float64Array(count));
    const occurrences = new Map<string, { at: number[]; docsPerField: Int32Array }>();
    const processed = new Map<string, string | null>();
    const local = new Map<string, number>();
    entries.forEach((entry, doc) => {
      const fields = fieldsOf(entry);
      FIELDS.forEach((field, f) => {
        const tokens = tokenize(fields[field]);
        (lengths[f] as Float64Array)[doc] = new Set(tokens).size;
        local.clear();
        for (const token of tokens) {
          let term = processed.get(token);
          if (term === undefined) {
            term = processTerm(token);
            processed.set(token, term);
          }
          if (term) local.set(term, (local.get(term) ?? 0) + 1);
        }
        for (const [term, tf] of local) {
          let o = occurrences.get(term);
          if (!o) {
            o = { at: [], docsPerField: new Int32Array(FIELDS.length) };
            occurrences.set(term, o);
          }
          o.at.push(doc, f, tf);
          (o.docsPerField[f] as number) += 1;
        }
      });
    });
    const average = lengths.map((l) => (count === 0 ? 0 : l.reduce((a, b) => a + b, 0) / count));
    const { k, b, d } = RANKING.bm25;
    const idf = (n: number) => Math.log(1 + (count - n + 0.5) / (n + 0.5));
    for (const [term, { at, docsPerField }] of occurrences) {
      const docs: number[] = [];
      const scores: number[] = [];
      for (let i = 0; i < at.length; i += 3) {
        const doc = at[i] as number;
        const f = at[i + 1] as number;
        const tf = at[i + 2] as number;
        const length = (lengths[f] as Float64Array)[doc] as number;
        const bm25 =
          idf(docsPerField[f] as number) *
          (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * length) / (average[f] as number))));
        const score = RANKING.boost[FIELDS[f] as Field] * bm25;
        // A doc's fields come one after another: sum them into one entry.
        if (docs[docs.length - 1] === doc) (scores[scores.length - 1] as number) += score;
        else {
          docs.push(doc);
          scores.push(score);
        }
      }
      this.dictionary.set(term, { docs: Int32Array.from(docs), scores: Float64Array.from(scores) });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The best `limit` tools for a query, best first; an empty query finds nothing. `accept`
   * narrows the hits further (a portal's tools among the caller's): those searches skip the
   * cache of recent queries.
   */
  find(query: string, limit: number, accept?: (entry: T) => boolean): ToolHit<T>[] {
    if (accept) return this.rank(query, limit, accept);
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
  rank(query: string, limit: number, accept?: (entry: T) => boolean): ToolHit<T>[] {
    // A word said twice counts twice in the score, once in how many words matched.
    const words = queryTerms(query);
    const touched: number[] = [];
    let wordIndex = 0;
    for (const [word, times] of words) {
      this.addWord(word, times, wordIndex++, touched);
    }
    const hits = this.best(touched, limit, ACTIONS.indexOf(queryAction(query) as Action), accept);
    for (const doc of touched) {
      this.scores[doc] = 0;
      this.matched[doc] = 0;
      this.lastTerm[doc] = -1;
    }
    return hits;
  }

  /** Adds one query word's postings: the word itself, its longer forms, its near misspellings. */
  private addWord(word: string, times: number, wordIndex: number, touched: number[]): void {
    const exact = this.dictionary.get(word);
    if (exact) this.addPosting(exact, times, wordIndex, touched);
    const seen = new Set<string>([word]);
    if (word.length >= RANKING.prefixFrom) {
      for (const [term, posting] of this.dictionary.atPrefix(word)) {
        if (seen.has(term)) continue;
        seen.add(term);
        const distance = term.length - word.length;
        const weight = (RANKING.weights.prefix * term.length) / (term.length + 0.3 * distance);
        this.addPosting(posting, times * weight, wordIndex, touched);
      }
    }
    if (word.length >= RANKING.fuzzyFrom) {
      for (const [term, [posting, distance]] of this.dictionary.fuzzyGet(word, 1)) {
        if (seen.has(term) || distance === 0) continue;
        const weight = (RANKING.weights.fuzzy * term.length) / (term.length + distance);
        this.addPosting(posting, times * weight, wordIndex, touched);
      }
    }
  }

  private addPosting(posting: Posting, weight: number, wordIndex: number, touched: number[]): void {
    const { docs, scores } = posting;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i] as number;
      if (this.lastTerm[doc] !== wordIndex) {
        if (this.lastTerm[doc] === -1) touched.push(doc);
        this.lastTerm[doc] = wordIndex;
        (this.matched[doc] as number) += 1;
      }
      (this.scores[doc] as number) += weight * (scores[i] as number);
    }
  }

  /** The `limit` best of the touched tools (score × words matched), best first. */
  private best(
    touched: number[],
    limit: number,
    action: number,
    accept: ((entry: T) => boolean) | undefined,
  ): ToolHit<T>[] {
    const top: Array<{ doc: number; score: number }> = [];
    const boosted = 1 + RANKING.actionBoost;
    for (const doc of touched) {
      if (accept && !accept(this.entries[doc] as T)) continue;
      const score =
        (this.scores[doc] as number) *
        (this.matched[doc] as number) *
        (action !== -1 && this.actions[doc] === action ? boosted : 1);
      if (top.length === limit && score <= (top[limit - 1] as { score: number }).score) continue;
      let at = top.length;
      while (at > 0 && (top[at - 1] as { score: number }).score < score) at--;
      top.splice(at, 0, { doc, score });
      if (top.length > limit) top.pop();
    }
    return top.map(({ doc, score }) => ({ entry: this.entries[doc] as T, score }));
  }
}
