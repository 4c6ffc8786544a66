import { z } from "zod";

/**
 * Portals (issue 9 point 5): named endpoints `/mcp/<portal>` that expose a chosen set of
 * servers and tools. A portal only narrows what an agent sees; grants still decide. One
 * schema file for the config file's `portals:` entries, the console's input and the
 * snapshot's copy, so the three cannot disagree on what a portal is.
 */

/** `prefixed`: tools and prompts are `<server>__<name>` as on `/mcp`; `bare`: their own names. */
export const portalNaming = z.enum(["bare", "prefixed"]);
export type PortalNaming = z.infer<typeof portalNaming>;

/**
 * How a portal presents its tools: all of them (`full`), or through search and code tools
 * (the context work of issue 13 reads this; portals only store and publish it).
 */
export const portalExposure = z.enum(["full", "search", "code"]);
export type PortalExposure = z.infer<typeof portalExposure>;

/** Portal names are path segments: `/mcp/<name>`. */
export const portalName = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9-]*$/,
    "use lowercase letters, digits and dashes (the name is the URL path /mcp/<name>)",
  );

const serverName = z.string().min(1).max(64);

/** One server of a portal and the tools of it that the portal selects (upstream names or globs). */
export const portalSelection = z
  .object({
    server: serverName,
    tools: z
      .array(z.string().min(1))
      .min(1, 'name at least one tool pattern ("*" for all)')
      .describe('upstream tool names or globs ("*", "get-*") of this server that the portal exposes'),
  })
  .strict();
export type PortalSelection = z.infer<typeof portalSelection>;

/** A per-tool change of what the portal's clients see. */
export const portalOverride = z
  .object({
    server: serverName,
    tool: z.string().min(1).describe("the tool's upstream name"),
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.-]+$/, "tool names use letters, digits, '_', '-' and '.'")
      .optional()
      .describe("the name the portal's clients call the tool by (replaces bare or prefixed naming)"),
    description: z.string().max(10_000).optional(),
    fixedArguments: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        "arguments set on every call: removed from the schema clients see and injected by the gateway " +
          "(a client's own value is replaced); each must be a property the tool's input schema allows",
      ),
    pinned: z
      .boolean()
      .optional()
      .describe(
        "with exposure search or code: the tool is always listed beside the meta-tools (and called directly), " +
          "so the model need not search for the tools it uses on every turn",
      ),
  })
  .strict();
export type PortalOverride = z.infer<typeof portalOverride>;

/** A portal as a person writes it (config file entry, console form). */
export const configPortal = z
  .object({
    name: portalName,
    description: z.string().max(1000).optional(),
    tools: z.array(portalSelection).min(1, "select at least one server's tools"),
    naming: portalNaming.default("prefixed"),
    exposure: portalExposure.default("full"),
    overrides: z.array(portalOverride).default([]),
  })
  .strict();
export type ConfigPortal = z.infer<typeof configPortal>;

/** A portal in the snapshot: servers by id, so a renamed server keeps its portals. */
export const snapshotPortal = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  naming: portalNaming,
  exposure: portalExposure,
  tools: z.array(z.object({ serverId: z.string(), tools: z.array(z.string()) })),
  overrides: z.array(
    z.object({
      serverId: z.string(),
      tool: z.string(),
      name: z.string().nullable(),
      description: z.string().nullable(),
      fixedArguments: z.record(z.string(), z.unknown()).nullable(),
      /** Listed beside the meta-tools in the search and code exposures. Absent in older snapshots. */
      pinned: z.boolean().default(false),
    }),
  ),
});
export type SnapshotPortal = z.infer<typeof snapshotPortal>;
