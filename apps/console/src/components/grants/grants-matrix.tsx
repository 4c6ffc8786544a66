"use client";

import { Button } from "../ui/button";
import { cn } from "../ui/cn";
import { ConditionBadge } from "./condition-badge";
import { EffectSelect } from "./effect-select";
import { exactGrant, type Grant, grantConditionText, SHORT, type Subject, subjectLabel } from "./grant-model";
import type { useGrantEditor } from "./use-grant-editor";

interface ServerColumn {
  id: string;
  name: string;
  toolCount: number;
}

/**
 * Teams and agents (rows) against servers (columns). A cell is the subject's grant on every
 * tool of the server (pattern `*`); per-tool and pattern rules are edited in the server's
 * tool view, and counted here.
 */
export function GrantsMatrix({
  subjects,
  servers,
  grants,
  editor,
  canWrite,
  selectedServerId,
  onSelectServer,
}: {
  subjects: Subject[];
  servers: ServerColumn[];
  grants: Grant[];
  editor: ReturnType<typeof useGrantEditor>;
  canWrite: boolean;
  selectedServerId: string | null;
  onSelectServer: (id: string) => void;
}) {
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
      <table
        className="min-w-full divide-y divide-slate-200 text-sm"
        aria-label="Grants by team, agent and server"
      >
        <thead className="bg-slate-50">
          <tr>
            <th
              scope="col"
              className="sticky left-0 z-10 bg-slate-50 px-4 py-2.5 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase"
            >
              Team / agent
            </th>
            {servers.map((s) => (
              <th key={s.id} scope="col" className="px-3 py-2 text-left align-bottom">
                <div className="text-xs font-semibold text-slate-800">{s.name}</div>
                <Button
                  variant="ghost"
                  size="sm"
                  className={cn(
                    "-ml-2 h-7 text-xs font-normal",
                    selectedServerId === s.id && "bg-indigo-50 text-indigo-800",
                  )}
                  aria-pressed={selectedServerId === s.id}
                  onClick={() => onSelectServer(s.id)}
                >
                  {/* The visible text stays part of the accessible name (WCAG 2.5.3, label in name). */}
                  <span className="sr-only">Tools of {s.name}, </span>
                  {s.toolCount} tools <span aria-hidden="true">›</span>
                </Button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {subjects.map((subject) => (
            <tr key={`${subject.type}:${subject.id}`} className="hover:bg-slate-50/60">
              <th
                scope="row"
                className={cn(
                  "sticky left-0 z-10 bg-white px-4 py-2 text-left font-normal whitespace-nowrap",
                  subject.type === "agent" && "pl-9",
                )}
              >
                <span className="text-xs text-slate-500">{subject.type === "team" ? "Team" : "Agent"}</span>{" "}
                <span className={cn("text-slate-900", subject.type === "team" && "font-semibold")}>
                  {subject.name}
                </span>
              </th>
              {servers.map((server) => {
                const own = exactGrant(grants, subject, server.id, "*");
                const teamGrant =
                  subject.type === "agent"
                    ? exactGrant(
                        grants,
                        { type: "team", id: subject.teamId!, name: subject.teamName! },
                        server.id,
                        "*",
                      )
                    : undefined;
                const others = grants.filter(
                  (g) =>
                    g.serverId === server.id &&
                    g.subject.type === subject.type &&
                    g.subject.id === subject.id &&
                    g.toolPattern !== "*",
                ).length;
                return (
                  <td key={server.id} className="px-3 py-2 align-middle">
                    <EffectSelect
                      label={`Grant for ${subjectLabel(subject)} on ${server.name}`}
                      value={own?.effect ?? ""}
                      noneLabel={
                        teamGrant
                          ? `— ${grantConditionText(teamGrant) ? "approval if…" : SHORT[teamGrant.effect]} (team)`
                          : "— (deny)"
                      }
                      disabled={!canWrite}
                      onChange={(effect) => editor.change(subject, server, "*", effect)}
                    />
                    {own && grantConditionText(own) && (
                      <ConditionBadge when={grantConditionText(own)!} className="mt-1 block" />
                    )}
                    {others > 0 && (
                      <button
                        type="button"
                        onClick={() => onSelectServer(server.id)}
                        className="mt-1 block text-xs text-indigo-700 hover:underline"
                      >
                        +{others} tool rule{others === 1 ? "" : "s"}
                      </button>
                    )}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
