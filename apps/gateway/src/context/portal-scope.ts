import { AppError } from "@portcullis/contracts/errors";
import type { CallToolParams } from "../pipeline/call-tool";
import type { CallContext } from "../pipeline/request-context";
import { portalViewOf } from "../portals/portal-requests";

/**
 * Through a portal, the search and code exposures reach only the portal's tools, and the
 * portal's fixed arguments bind their inner calls as they bind a direct call: a portal only
 * narrows, whichever way its tools reach the model. Tools keep their gateway names here
 * (search results name them), so null means "no portal: every granted tool".
 */
type PortalScope = ReadonlyMap<string, Record<string, unknown> | null>;

// Built once per portal view (views are cached per snapshot and agent), not per inner call.
const scopes = new WeakMap<object, PortalScope>();

export function portalScopeOf(call: CallContext): PortalScope | null {
  if (call.portal === null) return null;
  const view = portalViewOf(call);
  let scope = scopes.get(view);
  if (!scope) {
    const byName = new Map<string, Record<string, unknown> | null>();
    for (const presented of view.byName.values()) {
      byName.set(presented.tool.exposedName, presented.fixedArguments ?? null);
    }
    scope = byName;
    scopes.set(view, scope);
  }
  return scope;
}

/** An inner call (`call_tool`, a tool function in `execute`) as the portal allows it. */
export function scopedInnerCall(call: CallContext, params: CallToolParams): CallToolParams {
  const scope = portalScopeOf(call);
  if (scope === null) return params;
  if (!scope.has(params.name)) {
    throw new AppError("NOT_FOUND", `unknown tool '${params.name}' in portal '${call.portal}'`);
  }
  const fixed = scope.get(params.name);
  return fixed ? { ...params, arguments: { ...(params.arguments ?? {}), ...fixed } } : params;
}
