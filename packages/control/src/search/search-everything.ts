import type { Tx } from "../db";

/** What the console's one search box finds; people are the organization's members. */
export const SEARCH_KINDS = ["server", "tool", "team", "agent", "person", "policy", "portal"] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export interface SearchHit {
  kind: SearchKind;
  id: string;
  name: string;
  /** A second line: a description, the server of a tool, the team of an agent, a role. */
  detail: string | null;
  /** The server of a tool (its page lives under the server's). */
  parentId: string | null;
  /** A person's sign-in email (what policies' `users:` scope and the members page name them by). */
  email?: string;
}

/**
 * Finds `query` (case-insensitive substring of names, and of descriptions and emails where
 * they exist) among the kinds the caller may read, at most `perKind` of each, prefix
 * matches first. One query per kind, all in parallel; each is bounded by `perKind`.
 */
export async function searchEverything(
  db: Tx,
  input: { orgId: string; query: string; kinds: readonly SearchKind[]; perKind?: number },
): Promise<SearchHit[]> {
  const text = input.query.trim();
  if (text === "") return [];
  const take = input.perKind ?? 5;
  const has = (kind: SearchKind) => input.kinds.includes(kind);
  const like = { contains: text, mode: "insensitive" as const };
  const { orgId } = input;
  const [servers, tools, teams, agents, people, policies, portals] = await Promise.all([
    has("server")
      ? db.server.findMany({
          where: { orgId, OR: [{ name: like }, { description: like }] },
          select: { id: true, name: true, description: true },
          orderBy: { name: "asc" },
          take,
        })
      : [],
    has("tool")
      ? db.tool.findMany({
          where: { orgId, status: { not: "removed" }, OR: [{ exposedName: like }, { title: like }] },
          select: { id: true, exposedName: true, serverId: true, title: true },
          orderBy: { exposedName: "asc" },
          take,
        })
      : [],
    has("team")
      ? db.team.findMany({
          where: { orgId, name: like },
          select: { id: true, name: true, description: true },
          orderBy: { name: "asc" },
          take,
        })
      : [],
    has("agent")
      ? db.agent.findMany({
          where: { orgId, OR: [{ name: like }, { description: like }] },
          select: { id: true, name: true, team: { select: { name: true } } },
          orderBy: { name: "asc" },
          take,
        })
      : [],
    has("person")
      ? db.membership.findMany({
          where: { orgId, user: { OR: [{ email: like }, { name: like }] } },
          select: { role: true, user: { select: { id: true, email: true, name: true } } },
          orderBy: { user: { email: "asc" } },
          take,
        })
      : [],
    has("policy")
      ? db.policy.findMany({
          where: { orgId, name: like },
          select: { id: true, name: true, kind: true },
          orderBy: { name: "asc" },
          take,
        })
      : [],
    has("portal")
      ? db.portal.findMany({
          where: { orgId, OR: [{ name: like }, { description: like }] },
          select: { id: true, name: true, description: true },
          orderBy: { name: "asc" },
          take,
        })
      : [],
  ]);
  const hits: SearchHit[] = [
    ...servers.map((s) => hit("server", s.id, s.name, s.description)),
    ...tools.map((t) => ({ ...hit("tool", t.id, t.exposedName, t.title), parentId: t.serverId })),
    ...teams.map((t) => hit("team", t.id, t.name, t.description)),
    ...agents.map((a) => hit("agent", a.id, a.name, `team ${a.team.name}`)),
    ...people.map((m) => ({
      ...hit("person", m.user.id, m.user.name ?? m.user.email, `${m.user.email} · ${m.role}`),
      email: m.user.email,
    })),
    ...policies.map((p) => hit("policy", p.id, p.name, `${p.kind.replace("_", " ")} policy`)),
    ...portals.map((p) =>
      hit("portal", p.id, p.name, `/mcp/${p.name}${p.description ? ` · ${p.description}` : ""}`),
    ),
  ];
  // Names that start with the query rank above those that only contain it; kinds keep their order.
  const lower = text.toLowerCase();
  const starts = (h: SearchHit) => (h.name.toLowerCase().startsWith(lower) ? 0 : 1);
  return hits
    .map((h, i) => ({ h, i }))
    .sort((a, b) => starts(a.h) - starts(b.h) || a.i - b.i)
    .map(({ h }) => h);
}

function hit(kind: SearchKind, id: string, name: string, detail: string | null): SearchHit {
  return { kind, id, name, detail, parentId: null };
}
