import type { ConfigPortal } from "@portcullis/contracts/portal";

/**
 * The portal dialog's fields as text: one `server: pattern, pattern` line per server, pinned
 * tools as `server: tool, tool` lines, the other overrides as JSON.
 */
export interface PortalFormText {
  name: string;
  description: string;
  naming: "bare" | "prefixed";
  exposure: "full" | "search" | "code";
  tools: string;
  /** Overrides with `pinned: true`, one `server: tool, tool` line per server. */
  pinned: string;
  overrides: string;
}

export const EMPTY_PORTAL_FORM: PortalFormText = {
  name: "",
  description: "",
  naming: "prefixed",
  exposure: "full",
  tools: "",
  pinned: "",
  overrides: "",
};

export function portalToForm(portal: ConfigPortal): PortalFormText {
  return {
    name: portal.name,
    description: portal.description ?? "",
    naming: portal.naming,
    exposure: portal.exposure,
    tools: portal.tools.map((t) => `${t.server}: ${t.tools.join(", ")}`).join("\n"),
    pinned: [...pinnedByServer(portal.overrides)]
      .map(([server, tools]) => `${server}: ${tools.join(", ")}`)
      .join("\n"),
    overrides: overridesJson(portal.overrides),
  };
}

function pinnedByServer(overrides: ConfigPortal["overrides"]): Map<string, string[]> {
  const byServer = new Map<string, string[]>();
  for (const o of overrides)
    if (o.pinned) byServer.set(o.server, [...(byServer.get(o.server) ?? []), o.tool]);
  return byServer;
}

/** The overrides without their pins (the pinned field shows those); a pin-only override is left out. */
function overridesJson(overrides: ConfigPortal["overrides"]): string {
  const rest = overrides.flatMap(({ pinned: _pinned, ...o }) => (Object.keys(o).length > 2 ? [o] : []));
  return rest.length > 0 ? JSON.stringify(rest, null, 2) : "";
}

/**
 * The form read back as a portal, or the field errors that stop it. The server checks the
 * rest (servers, collisions, fixed arguments) with the apply file's rules.
 */
export function formToPortal(
  form: PortalFormText,
): { portal: ConfigPortal } | { errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const tools: ConfigPortal["tools"] = [];
  for (const [i, line] of form.tools.split("\n").entries()) {
    if (line.trim() === "") continue;
    const at = line.indexOf(":");
    const server = at > 0 ? line.slice(0, at).trim() : "";
    const patterns = line
      .slice(at + 1)
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    if (!server || patterns.length === 0) {
      errors.tools = `line ${i + 1}: write "server: pattern, pattern" (e.g. "github: get-*, list-*" or "docs: *")`;
      break;
    }
    tools.push({ server, tools: patterns });
  }
  if (tools.length === 0 && !errors.tools) errors.tools = "select at least one server's tools";
  let overrides: ConfigPortal["overrides"] = [];
  if (form.overrides.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(form.overrides);
      if (!Array.isArray(parsed)) throw new Error("not a list");
      overrides = parsed as ConfigPortal["overrides"];
    } catch {
      errors.overrides =
        'a JSON list, e.g. [{ "server": "docs", "tool": "search", "name": "find", "fixedArguments": { "limit": 10 } }]';
    }
  }
  for (const [i, line] of form.pinned.split("\n").entries()) {
    if (line.trim() === "") continue;
    const at = line.indexOf(":");
    const server = at > 0 ? line.slice(0, at).trim() : "";
    const names = line
      .slice(at + 1)
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    if (!server || names.length === 0) {
      errors.pinned = `line ${i + 1}: write "server: tool, tool" (e.g. "docs: search, fetch")`;
      break;
    }
    for (const tool of names) {
      const same = overrides.find((o) => o.server === server && o.tool === tool);
      if (same) same.pinned = true;
      else overrides.push({ server, tool, pinned: true });
    }
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    portal: {
      name: form.name.trim(),
      ...(form.description.trim() && { description: form.description.trim() }),
      tools,
      naming: form.naming,
      exposure: form.exposure,
      overrides,
    },
  };
}
