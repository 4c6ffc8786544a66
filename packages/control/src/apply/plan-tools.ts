import { fieldChanges } from "../change-plan/field-changes";
import { approveToolDefinitionInTx } from "../tools/review/approve-tool-definition";
import { setToolStatusInTx } from "../tools/set-tool-status";
import type { DesiredTool } from "./desired-state";
import type { InstalledTool } from "./load-installation";
import type { Operation } from "./plan";

/**
 * Per-tool settings: risk override, approval of a reviewed definition, disabled. The file
 * is the whole truth for the tools of the servers it keeps: a tool it does not name has no
 * risk override and is not disabled (the rule `toolRisk:` always followed).
 *
 * Status and approval go through the console's own use cases (setToolStatus,
 * approveToolDefinition), which write the same admin-audit rows as a click would. What the
 * file asks for but must not happen is planned as a `warning` and writes nothing:
 * - `approvedDefinition` that is not the tool's current definition hash. The server changed
 *   the tool after the admin reviewed it; approving by name would let that change through
 *   unseen (the rug pull pinning exists to stop). The tool stays quarantined.
 * - enabling a disabled tool whose current definition has not been approved.
 * A warning does not fail the apply: the upstream changing a tool is outside the file
 * author's control, and refusing the whole file for it would also hold back unrelated
 * changes (revoking a grant, disabling a server) while leaving the tool where it is safe.
 * `portcullis apply` prints warnings prominently and fails with `--strict`.
 *
 * Settings for a tool the catalog does not list (yet, or any more) are planned as deferred:
 * applied after the server's catalog sync (see applyAndPublish).
 */
export function planTools(
  tools: InstalledTool[],
  desired: DesiredTool[],
  remainingServers: Set<string>,
): Operation[] {
  const byKey = new Map(tools.map((t) => [t.key, t]));
  const wanted = new Map(desired.map((d) => [d.key, d]));
  const ops: Operation[] = [];
  for (const want of desired) {
    const tool = byKey.get(want.key);
    if (tool) {
      ops.push(...planTool(tool, want));
      continue;
    }
    const fields = settingsOf(want);
    if (fields.length === 0) continue;
    ops.push({
      change: {
        action: "update",
        kind: "tool",
        name: want.key,
        fields,
        deferred: `server "${want.server}" does not list tool "${want.tool}" (yet): applied after its catalog sync`,
      },
    });
  }
  for (const tool of tools) {
    // Tools of a server being deleted go with it; no separate change to report.
    if (wanted.has(tool.key) || !remainingServers.has(tool.serverName)) continue;
    ops.push(...planTool(tool, null));
  }
  return ops;
}

function settingsOf(want: DesiredTool): string[] {
  return [
    ...(want.risk !== null ? ["risk"] : []),
    ...(want.disabled ? ["disabled"] : []),
    ...(want.approvedDefinition !== null ? ["approvedDefinition"] : []),
  ];
}

/** The changes for one catalog tool; `want` null: the file does not name it. */
function planTool(tool: InstalledTool, want: DesiredTool | null): Operation[] {
  const ops: Operation[] = [];
  const risk = want?.risk ?? null;
  if (tool.riskOverride !== risk) {
    const action = tool.riskOverride === null ? "create" : risk === null ? "delete" : "update";
    ops.push({
      change: {
        action,
        kind: "toolRisk",
        name: tool.key,
        ...(action === "update" && { fields: ["risk"] }),
      },
      details: { changes: fieldChanges({ risk: tool.riskOverride }, { risk }, ["risk"]) },
      run: async (tx) => {
        await tx.tool.update({ where: { id: tool.id }, data: { riskOverride: risk } });
        return tool.id;
      },
    });
  }

  if (tool.status === "removed") {
    const fields = want ? settingsOf(want).filter((f) => f !== "risk") : [];
    if (fields.length > 0) {
      ops.push({
        change: {
          action: "update",
          kind: "tool",
          name: tool.key,
          fields,
          deferred: `server "${tool.serverName}" no longer lists this tool: applied if its catalog sync lists it again`,
        },
      });
    }
    return ops;
  }

  const approved = tool.approvedHash === tool.definitionHash;
  const awaitsReview = !approved || tool.status === "quarantined" || tool.flags.length > 0;
  const requested = want?.approvedDefinition ?? null;
  const approving = requested === tool.definitionHash && awaitsReview;
  if (approving) {
    ops.push({
      change: { action: "update", kind: "tool", name: tool.key, fields: ["approvedDefinition"] },
      auditedByRun: true,
      run: async (tx, ctx) => {
        await approveToolDefinitionInTx(tx, {
          orgId: ctx.orgId,
          toolId: tool.id,
          definitionHash: tool.definitionHash,
          actor: ctx.actor,
          source: "apply",
        });
        return tool.id;
      },
    });
  }
  const approvalRefused = requested !== null && requested !== tool.definitionHash;
  if (approvalRefused) {
    const mismatch = `approvedDefinition ${short(requested)} is not the current definition ${short(tool.definitionHash)}`;
    ops.push({
      change: {
        action: "update",
        kind: "tool",
        name: tool.key,
        fields: ["approvedDefinition"],
        warning: approved
          ? `${mismatch}, which is already approved (in the console, or when the tool was first seen): ` +
            "update approvedDefinition in the file"
          : `not approved: ${mismatch} (the server changed the tool after that ` +
            "review). Review the new definition (console: Tool review; `portcullis tools list --quarantined`) " +
            "and update approvedDefinition",
      },
    });
  }

  // The status after the approval above (approving makes a tool active, as in the console).
  const status = approving ? "active" : tool.status;
  const disable = want?.disabled === true;
  if (disable && status !== "disabled") {
    ops.push(statusChange(tool, "disabled"));
  } else if (!disable && status === "disabled") {
    if (approved || approving) ops.push(statusChange(tool, "active"));
    else if (!approvalRefused) {
      ops.push({
        change: {
          action: "update",
          kind: "tool",
          name: tool.key,
          fields: ["enabled"],
          warning:
            "stays disabled: its current definition has not been approved. Review it (console: Tool review) " +
            `and set approvedDefinition${want ? "" : " in a tools: entry"}, or set disabled: true`,
        },
      });
    }
  }
  return ops;
}

function statusChange(tool: InstalledTool, status: "active" | "disabled"): Operation {
  return {
    change: {
      action: "update",
      kind: "tool",
      name: tool.key,
      fields: [status === "disabled" ? "disabled" : "enabled"],
    },
    auditedByRun: true,
    run: async (tx, ctx) => {
      await setToolStatusInTx(tx, {
        orgId: ctx.orgId,
        actor: ctx.actor,
        id: tool.id,
        status,
        source: "apply",
      });
      return tool.id;
    },
  };
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}
