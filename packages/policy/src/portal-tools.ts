import type { SnapshotPortal } from "@portcullis/contracts/portal";
import { exposedToolName, type SnapshotServer, type SnapshotTool } from "@portcullis/contracts/snapshot";
import { matchesToolPattern } from "./tool-pattern";

/** One tool as a portal presents it: the name, description and schema its clients see. */
export interface PortalTool {
  tool: SnapshotTool;
  server: SnapshotServer;
  /** The name clients of the portal call it by. */
  name: string;
  description: string | null;
  /** The tool's input schema without the fixed arguments (clients cannot set them). */
  inputSchema: Record<string, unknown>;
  /** Injected on every call over what the client sent; null: none. */
  fixedArguments: Record<string, unknown> | null;
  /** Listed beside the meta-tools when the portal's exposure is search or code. */
  pinned: boolean;
}

/** What is wrong with a portal's definition, each with where it is (relative to the portal entry). */
export interface PortalProblem {
  path: Array<string | number>;
  message: string;
}

/** A portal's override as `portalTools` reads it (`pinned` is absent in older snapshots' rows). */
type PortalOverrideIn = Omit<SnapshotPortal["overrides"][number], "pinned"> & { pinned?: boolean };

/**
 * The tools a portal selects from an organization's catalog, named and reshaped as its
 * clients see them, and what is wrong with the definition. One rule for the gateway (which
 * then keeps only the tools an agent's grants let it see: a portal only narrows), the
 * apply file and the console (which refuse a portal with problems).
 *
 * Problems: a selection naming a server that does not exist; with `bare` naming (or an
 * override's `name`), two tools presented under one name; an override naming a tool the
 * portal does not select; a fixed argument that is not a property of the tool's input
 * schema, or whose value the property's type, `enum` or `const` refuses.
 */
export function portalTools(
  portal: Pick<SnapshotPortal, "naming" | "tools"> & { overrides: PortalOverrideIn[] },
  toolsOfOrg: readonly SnapshotTool[],
  serversById: ReadonlyMap<string, SnapshotServer>,
): { tools: PortalTool[]; problems: PortalProblem[] } {
  const problems: PortalProblem[] = [];
  const selected: Array<{ tool: SnapshotTool; server: SnapshotServer }> = [];
  portal.tools.forEach((selection, i) => {
    const server = serversById.get(selection.serverId);
    if (!server) {
      problems.push({ path: ["tools", i, "server"], message: `unknown server "${selection.serverId}"` });
      return;
    }
    for (const tool of toolsOfOrg) {
      if (tool.serverId !== server.id || tool.status === "removed") continue;
      if (selection.tools.some((pattern) => matchesToolPattern(pattern, tool.upstreamName)))
        selected.push({ tool, server });
    }
  });

  const overrideOf = new Map<string, { index: number; override: PortalOverrideIn }>();
  portal.overrides.forEach((override, index) => {
    const server = serversById.get(override.serverId);
    const key = `${override.serverId}\0${override.tool}`;
    const where = `${server?.name ?? override.serverId}/${override.tool}`;
    if (overrideOf.has(key)) {
      problems.push({ path: ["overrides", index], message: `tool "${where}" is overridden twice` });
      return;
    }
    overrideOf.set(key, { index, override });
    const found = selected.find(
      (s) => s.tool.serverId === override.serverId && s.tool.upstreamName === override.tool,
    );
    if (!found) {
      problems.push({
        path: ["overrides", index, "tool"],
        message: server
          ? `tool "${where}" is not one the portal selects (server "${server.name}" lists no such tool, or the portal's patterns leave it out)`
          : `unknown server "${override.serverId}"`,
      });
    }
  });

  const tools: PortalTool[] = [];
  const byName = new Map<string, PortalTool>();
  for (const { tool, server } of selected) {
    const entry = overrideOf.get(`${tool.serverId}\0${tool.upstreamName}`);
    const override = entry?.override;
    const name =
      override?.name ??
      (portal.naming === "bare" ? tool.upstreamName : exposedToolName(server.name, tool.upstreamName));
    const fixed = override?.fixedArguments ?? null;
    if (fixed && entry) {
      for (const [arg, value] of Object.entries(fixed)) {
        const refusal = fixedArgumentRefusal(tool.inputSchema, arg, value);
        if (refusal)
          problems.push({
            path: ["overrides", entry.index, "fixedArguments", arg],
            message: `${server.name}/${tool.upstreamName}: ${refusal}`,
          });
      }
    }
    const presented: PortalTool = {
      tool,
      server,
      name,
      description: override?.description ?? tool.description,
      inputSchema: fixed ? withoutProperties(tool.inputSchema, Object.keys(fixed)) : tool.inputSchema,
      fixedArguments: fixed,
      pinned: override?.pinned === true,
    };
    const taken = byName.get(name);
    if (taken) {
      problems.push({
        path: entry ? ["overrides", entry.index, "name"] : ["naming"],
        message:
          `tools "${taken.server.name}/${taken.tool.upstreamName}" and "${server.name}/${tool.upstreamName}" ` +
          `would both be called "${name}": use naming prefixed, narrow the tool patterns, or rename one with an override`,
      });
      continue;
    }
    byName.set(name, presented);
    tools.push(presented);
  }
  return { tools, problems };
}

/** A JSON Schema object's properties, when it declares them. */
function propertiesOf(schema: Record<string, unknown>): Record<string, unknown> | null {
  const props = schema.properties;
  return props && typeof props === "object" && !Array.isArray(props)
    ? (props as Record<string, unknown>)
    : null;
}

/** Why the input schema does not allow `value` for `arg` (null: it does). Checks type, enum and const. */
export function fixedArgumentRefusal(
  inputSchema: Record<string, unknown>,
  arg: string,
  value: unknown,
): string | null {
  const property = propertiesOf(inputSchema)?.[arg];
  if (property === undefined || property === null || typeof property !== "object") {
    return `fixed argument "${arg}" is not a property of the tool's input schema`;
  }
  const p = property as Record<string, unknown>;
  if ("const" in p && JSON.stringify(p.const) !== JSON.stringify(value))
    return `fixed argument "${arg}" must be ${JSON.stringify(p.const)}`;
  if (Array.isArray(p.enum) && !p.enum.some((e) => JSON.stringify(e) === JSON.stringify(value)))
    return `fixed argument "${arg}" must be one of ${p.enum.map((e) => JSON.stringify(e)).join(", ")}`;
  const types = typeof p.type === "string" ? [p.type] : Array.isArray(p.type) ? (p.type as string[]) : null;
  if (types && !types.some((t) => hasJsonType(value, t)))
    return `fixed argument "${arg}" must be of type ${types.join(" or ")} (got ${JSON.stringify(value)})`;
  return null;
}

function hasJsonType(value: unknown, type: string): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
    default:
      return true;
  }
}

/** The schema without `names` in its properties and `required` (a copy; the original is shared). */
function withoutProperties(schema: Record<string, unknown>, names: string[]): Record<string, unknown> {
  const props = propertiesOf(schema);
  const out: Record<string, unknown> = { ...schema };
  if (props) out.properties = Object.fromEntries(Object.entries(props).filter(([k]) => !names.includes(k)));
  if (Array.isArray(schema.required))
    out.required = schema.required.filter((r) => !names.includes(r as string));
  return out;
}
