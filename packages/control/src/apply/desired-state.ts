import type { UpstreamSecrets } from "@portcullis/auth/secrets";
import type { ApprovalCondition } from "@portcullis/contracts/approval-policy";
import type { ConfigFile, ConfigServer } from "@portcullis/contracts/config-file";
import { AppError } from "@portcullis/contracts/errors";
import type { ToolExposure } from "@portcullis/contracts/exposure";
import type { GrantEffect, RiskClass } from "@portcullis/contracts/snapshot";
import type { TransportKind } from "@portcullis/db/client";
import { webhookHostOf } from "../approvals/set-team-webhook";
import { grantKey, itemGrantKey, toolRiskKey } from "../change-plan/entry-keys";
import { DEFAULT_TIMEOUT_MS } from "../change-plan/server-defaults";
import { normalizeEmail } from "../identity/normalize-email";
import { toDbTransport } from "../servers/transport";
import { type DesiredPolicy, resolveDesiredPolicies } from "./plan-policies";
import { type DesiredPortal, resolveDesiredPortals } from "./plan-portals";

export interface DesiredServer {
  path: string;
  name: string;
  description: string | null;
  transport: TransportKind;
  url: string | null;
  command: string | null;
  args: string[];
  /** Plain values; sealed only when written, and compared by value, not by ciphertext. */
  secrets: UpstreamSecrets | null;
  timeoutMs: number;
  network: boolean;
  allowElicitation: boolean;
  allowSampling: boolean;
  trustNewTools: boolean;
  status: "active" | "disabled";
}

export interface DesiredTeam {
  path: string;
  name: string;
  description: string | null;
  /** The approval webhook URL in the clear (null: none); sealed only when written. */
  webhook: string | null;
}

export interface DesiredAgent {
  path: string;
  name: string;
  team: string;
  description: string | null;
  status: "active" | "disabled";
  /** null: inherit (its portal's setting, else full). */
  exposure: ToolExposure | null;
}

export interface DesiredGrant {
  path: string;
  /** Identity of a grant: who, which server, which tool pattern. */
  key: string;
  subject: { kind: "team" | "agent" | "user"; name: string };
  server: string;
  toolPattern: string;
  effect: GrantEffect;
  approvalTimeoutSec: number | null;
  reason: string | null;
  /** Argument condition of an `approve` grant (the schema refuses one elsewhere); null: none. */
  condition: ApprovalCondition | null;
}

/** One resource or prompt pattern of a `grants:` entry (effect allow or deny). */
export interface DesiredItemGrant {
  path: string;
  /** Identity: who, which server, which kind and pattern (`team:platform/docs/resource:docs://*`). */
  key: string;
  subject: { kind: "team" | "agent" | "user"; name: string };
  server: string;
  kind: "resource" | "prompt";
  pattern: string;
  effect: "allow" | "deny";
  reason: string | null;
}

/** A `tools:` entry (or a deprecated `toolRisk:` one), with absent settings at their defaults. */
export interface DesiredTool {
  path: string;
  /** `server/tool`, see toolRiskKey. */
  key: string;
  server: string;
  tool: string;
  risk: RiskClass | null;
  disabled: boolean;
  /** The definition hash the file approves; null: none. */
  approvedDefinition: string | null;
}

export interface DesiredState {
  servers: DesiredServer[];
  teams: DesiredTeam[];
  agents: DesiredAgent[];
  grants: DesiredGrant[];
  itemGrants: DesiredItemGrant[];
  tools: DesiredTool[];
  policies: DesiredPolicy[];
  portals: DesiredPortal[];
}

/**
 * Turns a validated config file into the state the installation must reach: resolves
 * `{ env: NAME }` secret references, and checks what the schema cannot (duplicate names,
 * references to teams, agents and servers the file does not declare). Every problem is
 * collected and reported in one INVALID_INPUT, each line naming its place in the file.
 */
export function resolveDesiredState(file: ConfigFile, env: Record<string, string | undefined>): DesiredState {
  const problems: string[] = [];
  const firstPathOf = new Map<string, string>();
  const unique = (kind: string, name: string, path: string) => {
    const seen = firstPathOf.get(`${kind}\0${name}`);
    if (seen) problems.push(`${path}: duplicate ${kind} "${name}" (first declared at ${seen})`);
    else firstPathOf.set(`${kind}\0${name}`, path);
  };
  const secret = (ref: string | { env: string }, path: string): string => {
    if (typeof ref === "string") return ref;
    const value = env[ref.env];
    if (value === undefined || value === "") {
      problems.push(`${path}: environment variable ${ref.env} is not set`);
      return "";
    }
    return value;
  };

  const servers = file.servers.map((s, i) => {
    unique("server", s.name, `servers[${i}].name`);
    return desiredServer(s, `servers[${i}]`, secret);
  });
  const teams = file.teams.map((t, i): DesiredTeam => {
    unique("team", t.name, `teams[${i}].name`);
    const webhook = t.webhook === undefined ? null : secret(t.webhook, `teams[${i}].webhook`);
    // An unset variable is reported by secret(); anything else gets the console's own check,
    // so both refuse the same URLs with the same message.
    if (webhook !== null && (webhook !== "" || typeof t.webhook === "string")) {
      try {
        webhookHostOf(webhook);
      } catch (error) {
        problems.push(`teams[${i}].webhook: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return {
      path: `teams[${i}]`,
      name: t.name,
      description: t.description ?? null,
      webhook: webhook || null,
    };
  });
  const teamNames = new Set(teams.map((t) => t.name));
  const serverNames = new Set(servers.map((s) => s.name));

  const agents = file.agents.map((a, i): DesiredAgent => {
    unique("agent", a.name, `agents[${i}].name`);
    if (!teamNames.has(a.team))
      problems.push(`agents[${i}].team: unknown team "${a.team}" (declare it under teams:)`);
    return {
      path: `agents[${i}]`,
      name: a.name,
      team: a.team,
      description: a.description ?? null,
      status: a.disabled ? "disabled" : "active",
      exposure: a.exposure ?? null,
    };
  });
  const agentNames = new Set(agents.map((a) => a.name));

  const grants: DesiredGrant[] = [];
  const itemGrants: DesiredItemGrant[] = [];
  file.grants.forEach((g, i) => {
    const path = `grants[${i}]`;
    // People are not declared in the file (they sign in): apply checks they are members.
    const subject =
      g.team !== undefined
        ? { kind: "team" as const, name: g.team }
        : g.agent !== undefined
          ? { kind: "agent" as const, name: g.agent }
          : { kind: "user" as const, name: normalizeEmail(g.user!) };
    const known = subject.kind === "team" ? teamNames : agentNames;
    if (subject.kind !== "user" && !known.has(subject.name)) {
      problems.push(
        `${path}.${subject.kind}: unknown ${subject.kind} "${subject.name}" (declare it under ${subject.kind}s:)`,
      );
    }
    if (!serverNames.has(g.server))
      problems.push(`${path}.server: unknown server "${g.server}" (declare it under servers:)`);
    g.tools.forEach((toolPattern, j) => {
      const key = grantKey(subject.kind, subject.name, g.server, toolPattern);
      unique("grant", key, `${path}.tools[${j}]`);
      grants.push({
        path: `${path}.tools[${j}]`,
        key,
        subject,
        server: g.server,
        toolPattern,
        effect: g.effect,
        approvalTimeoutSec: g.approvalTimeoutSec ?? null,
        reason: g.reason ?? null,
        condition: g.condition ?? null,
      });
    });
    // The schema refuses `approve` here: resources and prompts are allowed or denied.
    const effect = g.effect === "deny" ? "deny" : "allow";
    for (const kind of ["resource", "prompt"] as const) {
      const list = kind === "resource" ? g.resources : g.prompts;
      list.forEach((pattern, j) => {
        const where = `${path}.${kind}s[${j}]`;
        const key = itemGrantKey(subject.kind, subject.name, g.server, kind, pattern);
        unique(`${kind} grant`, key, where);
        itemGrants.push({
          path: where,
          key,
          subject,
          server: g.server,
          kind,
          pattern,
          effect,
          reason: g.reason ?? null,
        });
      });
    }
  });

  // `toolRisk:` is the deprecated spelling of `tools: [{ server, tool, risk }]`; both share
  // one namespace, so a tool named in both is a duplicate (the file would say two things).
  const tools = [
    ...file.tools.map((t, i) => ({ ...t, path: `tools[${i}]` })),
    ...file.toolRisk.map((r, i) => ({ ...r, path: `toolRisk[${i}]` })),
  ].map((t): DesiredTool => {
    const key = toolRiskKey(t.server, t.tool);
    const first = firstPathOf.get(`tool\0${key}`);
    if (first?.startsWith("tools[") && t.path.startsWith("toolRisk[")) {
      problems.push(
        `${t.path}: tool "${key}" is also configured at ${first}; move its risk there (toolRisk: is deprecated)`,
      );
    } else unique("tool", key, t.path);
    if (!serverNames.has(t.server))
      problems.push(`${t.path}.server: unknown server "${t.server}" (declare it under servers:)`);
    return {
      path: t.path,
      key,
      server: t.server,
      tool: t.tool,
      risk: t.risk ?? null,
      disabled: "disabled" in t && t.disabled === true,
      approvedDefinition: ("approvedDefinition" in t && t.approvedDefinition) || null,
    };
  });

  const policies = resolveDesiredPolicies(
    file.policies,
    { teams: teamNames, agents: agentNames, servers: serverNames },
    unique,
    problems,
  );

  const portals = resolveDesiredPortals(file.portals, serverNames, unique, problems);

  if (problems.length > 0) {
    throw new AppError("INVALID_INPUT", `invalid config file:\n  ${problems.join("\n  ")}`, {
      details: { problems },
    });
  }
  return { servers, teams, agents, grants, itemGrants, tools, policies, portals };
}

function desiredServer(
  s: ConfigServer,
  path: string,
  secret: (ref: string | { env: string }, path: string) => string,
): DesiredServer {
  const secrets: UpstreamSecrets = {};
  if (s.transport === "stdio") {
    // All of a stdio server's environment is sealed: the file cannot say which values are secret.
    if (s.env && Object.keys(s.env).length > 0) {
      secrets.env = Object.fromEntries(
        Object.entries(s.env).map(([k, v]) => [k, secret(v, `${path}.env.${k}`)]),
      );
    }
  } else {
    if (s.headers && Object.keys(s.headers).length > 0) {
      secrets.headers = Object.fromEntries(
        Object.entries(s.headers).map(([k, v]) => [k, secret(v, `${path}.headers.${k}`)]),
      );
    }
    if (s.bearer !== undefined) secrets.bearer = secret(s.bearer, `${path}.bearer`);
  }
  return {
    path,
    name: s.name,
    description: s.description ?? null,
    transport: toDbTransport(s.transport),
    url: s.transport === "stdio" ? null : s.url,
    command: s.transport === "stdio" ? s.command : null,
    args: s.transport === "stdio" ? s.args : [],
    secrets: Object.keys(secrets).length > 0 ? secrets : null,
    timeoutMs: s.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    network: s.transport === "stdio" ? (s.network ?? true) : true,
    allowElicitation: s.allowElicitation ?? true,
    allowSampling: s.allowSampling ?? false,
    trustNewTools: s.trustNewTools ?? false,
    status: s.disabled ? "disabled" : "active",
  };
}
