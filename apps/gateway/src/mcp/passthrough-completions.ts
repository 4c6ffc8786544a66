import { AppError } from "@portcullis/contracts/errors";
import { TOOL_NAME_SEPARATOR } from "@portcullis/contracts/snapshot";
import { decideItemAccess } from "@portcullis/policy/resource-grants";
import type { CompleteRequestParams, CompleteResult } from "@portcullis/upstream/types";
import type { CallContext } from "../pipeline/request-context";
import { itemStageInput, itemViewsFor } from "./item-access";
import type { CatalogDeps } from "./resources-and-prompts";

/**
 * completion/complete: argument suggestions come from the server that owns the prompt or
 * resource template, and only for an item the agent may use — a prompt it holds a prompt
 * grant on (named `<server>__<prompt>`, as listed), or a template on a server it holds a
 * resource grant on whose URI pattern the grant allows. Rate limits count it as a read of
 * that item; DLP screens what the client typed and the suggestions coming back. Through a
 * portal only its servers answer, and a prompt arrives under its gateway name (the caller
 * maps a bare portal name, portal-requests.ts).
 */
export async function complete(
  deps: CatalogDeps,
  ctx: CallContext,
  params: CompleteRequestParams,
): Promise<CompleteResult> {
  const { snapshot, identity } = ctx;
  const views = itemViewsFor(snapshot, identity, ctx.portal);
  const ref = params.ref as { type: string; name?: string; uri?: string };
  ctx.audit.toolName = ref.name ?? ref.uri ?? null;
  let kind: "prompt" | "resource";
  let server: (typeof views.prompts.servers)[number] | undefined;
  let upstreamRef: CompleteRequestParams["ref"];
  if (ref.type === "ref/prompt") {
    kind = "prompt";
    const name = ref.name ?? "";
    const at = name.indexOf(TOOL_NAME_SEPARATOR);
    const promptName = at > 0 ? name.slice(at + TOOL_NAME_SEPARATOR.length) : "";
    server = views.prompts.servers.find((s) => at > 0 && s.name === name.slice(0, at));
    if (!server || !promptName) throw new AppError("NOT_FOUND", `unknown prompt '${name}'`);
    const decision = decideItemAccess(views.prompts, server, promptName);
    if (decision.effect === "deny")
      throw new AppError("FORBIDDEN", `completion for prompt '${name}' denied: ${decision.reason}`);
    upstreamRef = { type: "ref/prompt", name: promptName };
  } else if (ref.type === "ref/resource") {
    kind = "resource";
    const uri = ref.uri ?? "";
    const allowed = views.resources.servers.filter(
      (s) => decideItemAccess(views.resources, s, uri).effect === "allow",
    );
    // The template's owner: the granted server that lists it.
    for (const candidate of allowed) {
      const templates = await deps.pool
        .listResourceTemplates(snapshot.upstreamSpec(candidate))
        .catch(() => []);
      if (templates.some((t) => t.uriTemplate === uri)) {
        server = candidate;
        break;
      }
    }
    if (!server) throw new AppError("NOT_FOUND", `unknown resource template '${uri}'`);
    upstreamRef = { type: "ref/resource", uri };
  } else {
    throw new AppError("INVALID_INPUT", `unknown completion reference type '${ref.type}'`);
  }
  ctx.audit.serverId = server.id;
  ctx.audit.serverName = server.name;
  const stage = itemStageInput(ctx, server, kind, ref.name ?? ref.uri ?? "");
  await deps.stages.rateLimit.enforce(stage);
  const sent = deps.stages.dlp.scanValue(
    stage,
    "arguments",
    { argument: params.argument, context: params.context },
    "completion",
  );
  ctx.audit.arguments ??= { argument: params.argument?.name ?? null };
  let result: CompleteResult;
  try {
    result = await deps.pool.complete(snapshot.upstreamSpec(server), {
      ...params,
      ref: upstreamRef,
      argument: sent.argument,
      ...(sent.context !== undefined && { context: sent.context }),
    });
  } catch (err) {
    throw deps.stages.dlp.screenUpstreamError(stage, err);
  }
  const screened = deps.stages.dlp.scanValue(stage, "result", result, "completion");
  return { completion: screened.completion };
}
