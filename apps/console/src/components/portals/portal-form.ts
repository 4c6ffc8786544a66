import type { ConfigPortal } from "@portcullis/contracts/portal";

/** The portal dialog's fields as text: one `server: pattern, pattern` line per server, overrides as JSON. */
export interface PortalFormText {
  name: string;
  description: string;
  naming: "bare" | "prefixed";
  exposure: "full" | "search" | "code";
  tools: string;
  overrides: string;
}

export const EMPTY_PORTAL_FORM: PortalFormText = {
  name: "",
  description: "",
  naming: "prefixed",
  exposure: "full",
  tools: "",
  overrides: "",
};

export function portalToForm(portal: ConfigPortal): PortalFormText {
  return {
    name: portal.name,
    description: portal.description ?? "",
    naming: portal.naming,
    exposure: portal.exposure,
    tools: portal.tools.map((t) => `${t.server}: ${t.tools.join(", ")}`).join("\n"),
    overrides: portal.overrides.length > 0 ? JSON.stringify(portal.overrides, null, 2) : "",
  };
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
