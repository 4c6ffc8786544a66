import { AppError } from "@portcullis/contracts/errors";
import { TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import type { Prompt, Tool } from "@portcullis/upstream/types";
import type { CallToolParams } from "../pipeline/call-tool";
import { policySubject } from "../pipeline/policy-subject";
import type { CallContext } from "../pipeline/request-context";
import { type PortalView, portalOf, portalViewFor } from "./portal-view";

/** The portal view of a request through `/mcp/<portal>`. */
export function portalViewOf(call: CallContext): PortalView {
  const agent = policySubject(call.identity);
  const portal = call.portal === null ? undefined : portalOf(call.snapshot, agent.orgId, call.portal);
  if (!portal) throw new AppError("NOT_FOUND", `unknown portal '${call.portal}'`);
  return portalViewFor(portal, call.snapshot.viewOf(call.identity));
}

export function listPortalTools(call: CallContext): Tool[] {
  return portalViewOf(call).wire;
}

/**
 * A tools/call through a portal as the pipeline takes it: the portal's name for the tool
 * becomes its gateway name (which the agent's grants then decide on, as on `/mcp`), and the
 * portal's fixed arguments replace whatever the client sent for them.
 */
export function portalCallParams(call: CallContext, params: CallToolParams): CallToolParams {
  const presented = portalViewOf(call).byName.get(params.name);
  if (!presented) {
    call.audit.toolName = params.name;
    throw new AppError("NOT_FOUND", `unknown tool '${params.name}' in portal '${call.portal}'`);
  }
  const args = presented.fixedArguments
    ? { ...(params.arguments ?? {}), ...presented.fixedArguments }
    : params.arguments;
  return { ...params, name: presented.tool.exposedName, arguments: args };
}

/**
 * prompts/list through a portal (the catalog is already narrowed to its servers). With bare
 * naming a prompt keeps its own name; two prompts of one name on different servers are
 * left out (the console and apply cannot see prompts: servers list them live) and a
 * prompts/get of that name says which servers collide.
 */
export function portalPrompts(call: CallContext, prefixed: Prompt[]): Prompt[] {
  if (portalViewOf(call).portal.naming !== "bare") return prefixed;
  const { unique } = bareNames(prefixed);
  return prefixed.flatMap((p) => {
    const bare = bareName(p.name);
    return unique.get(bare) === p.name ? [{ ...p, name: bare }] : [];
  });
}

/** The gateway's `<server>__<prompt>` name of a portal's prompt name. */
export function portalPromptName(call: CallContext, name: string, prefixed: Prompt[]): string {
  if (portalViewOf(call).portal.naming !== "bare") return name;
  const { unique, collisions } = bareNames(prefixed);
  const clash = collisions.get(name);
  if (clash) {
    throw new AppError(
      "CONFLICT",
      `prompt '${name}' is offered by ${clash.map((n) => `'${n}'`).join(" and ")}: bare naming cannot tell them apart (use naming prefixed for portal '${call.portal}')`,
    );
  }
  const full = unique.get(name);
  if (!full) throw new AppError("NOT_FOUND", `unknown prompt '${name}'`);
  return full;
}

function bareName(prefixed: string): string {
  const at = prefixed.indexOf(TOOL_NAME_SEPARATOR);
  return at > 0 ? prefixed.slice(at + TOOL_NAME_SEPARATOR.length) : prefixed;
}

function bareNames(prompts: Prompt[]): { unique: Map<string, string>; collisions: Map<string, string[]> } {
  const all = new Map<string, string[]>();
  for (const p of prompts) all.set(bareName(p.name), [...(all.get(bareName(p.name)) ?? []), p.name]);
  const unique = new Map<string, string>();
  const collisions = new Map<string, string[]>();
  for (const [bare, names] of all) {
    if (names.length === 1) unique.set(bare, names[0]!);
    else collisions.set(bare, names);
  }
  return { unique, collisions };
}
