import type { SnapshotServer, SnapshotTool } from "@portcullis/contracts/snapshot";
import MiniSearch from "minisearch";
import { describe, expect, it } from "vitest";
import { FIELDS, fieldsOf, RANKING, type SearchableTool, ToolSearchIndex } from "./tool-index";
import { expandQuery, processTerm, queryAction, tokenize, toolAction } from "./tool-text";

// The compiled index must rank exactly as MiniSearch does with the same settings: it is an
// optimisation of MiniSearch's scoring, not a ranking of its own.
const server = (name: string): SnapshotServer => ({
  id: `srv_${name}`,
  orgId: "org_1",
  name,
  transport: "streamable-http",
  url: "http://127.0.0.1:1/mcp",
  command: null,
  args: [],
  env: null,
  network: true,
  secrets: null,
  timeoutMs: 1000,
  allowElicitation: true,
  allowSampling: false,
  status: "active",
});
const VERBS = ["create", "list", "get", "update", "delete", "search", "send", "merge", "archive", "run"];
const NOUNS = [
  "issue",
  "pull_request",
  "message",
  "file",
  "event",
  "invoice",
  "channel",
  "branch",
  "page",
  "user",
];
const ADJ = ["open", "recent", "private", "shared", "failing", "scheduled", "draft", "pinned"];

function catalog(): SearchableTool[] {
  const out: SearchableTool[] = [];
  let seed = 7;
  const pick = <T>(xs: readonly T[]): T => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return xs[seed % xs.length] as T;
  };
  for (const s of ["github", "slack", "google-calendar", "stripe", "notion", "gitlab-2"].map(server)) {
    for (let i = 0; i < 30; i++) {
      const verb = pick(VERBS);
      const noun = pick(NOUNS);
      const tool: SnapshotTool = {
        id: `tool_${s.name}_${i}`,
        serverId: s.id,
        upstreamName: i % 2 ? `${verb}_${noun}` : `${verb}${noun[0]?.toUpperCase()}${noun.slice(1)}s`,
        exposedName: `${s.name}__${verb}_${noun}_${i}`,
        title: i % 3 === 0 ? `${verb} ${noun}` : null,
        description: `${verb}s the ${pick(ADJ)} ${noun}s of a ${pick(NOUNS)} and ${pick(VERBS)}ing ${pick(ADJ)} ones`,
        inputSchema: { type: "object", properties: { [`${noun}_id`]: {}, [pick(ADJ)]: {} } },
        outputSchema: null,
        annotations: null,
        riskClass: "read",
        status: "active",
        definitionHash: String(i),
      };
      out.push({ tool, server: s });
    }
  }
  return out;
}

describe("ToolSearchIndex", () => {
  it("scores every query as MiniSearch does with the same fields, boosts, BM25, prefix and typo settings", () => {
    const entries = catalog();
    const reference = new MiniSearch<Record<string, unknown>>({
      fields: [...FIELDS],
      tokenize,
      processTerm,
      searchOptions: {
        boost: RANKING.boost,
        bm25: RANKING.bm25,
        prefix: (term) => term.length >= RANKING.prefixFrom,
        fuzzy: (term) => (term.length >= RANKING.fuzzyFrom ? 1 : false),
        weights: RANKING.weights,
        combineWith: "OR",
      },
    });
    reference.addAll(entries.map((e, id) => ({ id, ...fieldsOf(e) })));
    const index = new ToolSearchIndex(entries);
    const queries = [
      "open a PR on github",
      "list the failing branches",
      "send a message to the shared slack channel",
      "archive scheduled events in google calendar",
      "create invoice create invoice stripe",
      "delet draft pages",
      "schedulled evnets",
      "updat user",
      "the of and",
      "gitlab 2 merge",
      "which users are pinned?",
      "remove the draft branch",
    ];
    for (const query of queries) {
      // The action bonus is a per-tool factor on every term's score: MiniSearch's boostDocument.
      const action = queryAction(query);
      const boostDocument = (id: unknown) => {
        const { tool } = entries[id as number] as SearchableTool;
        return action !== null && toolAction(tool.upstreamName, tool.description ?? "") === action
          ? 1 + RANKING.actionBoost
          : 1;
      };
      const results = reference.search(expandQuery(query), { boostDocument });
      const expected = results.slice(0, 10).map((r) => r.score);
      const got = index.rank(query, 10);
      expect(
        got.map((h) => h.score),
        query,
      ).toHaveLength(expected.length);
      got.forEach((hit, i) => {
        expect(hit.score, `${query} #${i}`).toBeCloseTo(expected[i] as number, 9);
      });
      // The same tools at each distinct score (ties may come in either order).
      const scoreOf = new Map(results.map((r) => [r.id as number, r.score]));
      for (const hit of got) {
        expect(scoreOf.get(entries.indexOf(hit.entry)), query).toBeCloseTo(hit.score, 9);
      }
    }
  });

  it("finds nothing for an empty query, and keeps no state from one query to the next", () => {
    const index = new ToolSearchIndex(catalog());
    expect(index.rank("", 5)).toEqual([]);
    expect(index.rank("qqqq zzzz", 5)).toEqual([]);
    const first = index.rank("list open issues", 5).map((h) => h.score);
    index.rank("send message", 5);
    expect(index.rank("list open issues", 5).map((h) => h.score)).toEqual(first);
  });
});

describe("actions of tasks and tools", () => {
  it("reads a question, else takes the first verb's class", () => {
    expect(queryAction("Which Docker containers are running?")).toBe("read");
    expect(queryAction("Please remove the stale branch")).toBe("delete");
    expect(queryAction("Change the port to 9090")).toBe("update");
    expect(queryAction("Email the weekly status to Jane")).toBe("create");
    expect(queryAction("the Q3 budget")).toBeNull();
  });

  it("takes a tool's action from its name, else from its description's first word", () => {
    expect(toolAction("list_issues", "")).toBe("read");
    expect(toolAction("createPullRequest", "")).toBe("create");
    expect(toolAction("jira_link_issues", "Deletes a link between two issues")).toBe("delete");
    expect(toolAction("maps_distance_matrix", "Travel distance and time")).toBeNull();
  });

  it("ranks the tool that does what the task asks above one that only shares its words", () => {
    const s = server("docker");
    const make = (name: string, description: string): SearchableTool => ({
      server: s,
      tool: {
        ...(catalog()[0] as SearchableTool).tool,
        id: name,
        upstreamName: name,
        exposedName: `docker__${name}`,
        description,
      },
    });
    const index = new ToolSearchIndex([
      make("stop_container", "Stops a container"),
      make("list_containers", "Lists every container on the host, with its state"),
    ]);
    expect(index.rank("Which containers are there?", 2)[0]?.entry.tool.upstreamName).toBe("list_containers");
  });
});

describe("ToolSearchIndex narrowed", () => {
  it("keeps the best `limit` of the accepted tools only, ranked as without the filter", () => {
    const entries = catalog();
    const index = new ToolSearchIndex(entries);
    const accept = (e: SearchableTool) => e.server.name === "slack";
    const all = index.rank("send a message to the shared channel", entries.length);
    const narrowed = index.find("send a message to the shared channel", 5, accept);
    expect(narrowed.map((h) => h.entry)).toEqual(
      all
        .filter((h) => accept(h.entry))
        .slice(0, 5)
        .map((h) => h.entry),
    );
    expect(narrowed.every((h) => h.entry.server.name === "slack")).toBe(true);
  });
});
