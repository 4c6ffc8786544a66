"use client";

import type { AppRouter } from "@portcullis/api/root";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import { useState } from "react";
import { useTRPC } from "@/trpc/react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Textarea } from "../ui/input";
import { useToast } from "../ui/toast";

type ImportResult = inferRouterOutputs<AppRouter>["servers"]["importMcpJson"];

const EXAMPLE = `{
  "mcpServers": {
    "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] },
    "remote": { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer …" } }
  }
}`;

/** Paste a Claude Desktop / Cursor mcp.json, preview what it would add, then import. */
export function ImportMcpJsonDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [json, setJson] = useState("");
  const [preview, setPreview] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setJson("");
    setPreview(null);
    setError(null);
    onClose();
  };
  const onError = (e: unknown) => setError(fieldErrors(e).json ?? errorMessage(e));
  const dryRun = useMutation(
    trpc.servers.importMcpJson.mutationOptions({
      onSuccess: (r) => {
        setPreview(r);
        setError(null);
      },
      onError,
    }),
  );
  const run = useMutation(
    trpc.servers.importMcpJson.mutationOptions({
      onSuccess: async (r) => {
        await queryClient.invalidateQueries({ queryKey: trpc.servers.pathKey() });
        toast.success(
          r.created.length > 0
            ? `Imported ${r.created.join(", ")}. Sync each server's catalog to list its tools.`
            : "Nothing imported",
        );
        close();
      },
      onError,
    }),
  );
  const parseProblem = (): string | null => {
    if (json.trim() === "") return "Paste the contents of an mcp.json file";
    try {
      JSON.parse(json);
      return null;
    } catch (e) {
      return `Not valid JSON: ${(e as Error).message}`;
    }
  };
  const check = () => {
    const problem = parseProblem();
    setError(problem);
    if (problem === null) dryRun.mutate({ json, dryRun: true });
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      size="lg"
      title="Import mcp.json"
      description="Servers from a Claude Desktop, Cursor or VS Code configuration. Header and environment values are sealed."
      footer={
        <>
          <Button variant="secondary" onClick={close}>
            Cancel
          </Button>
          {preview === null ? (
            <Button onClick={check} loading={dryRun.isPending}>
              Preview
            </Button>
          ) : (
            <Button
              onClick={() => run.mutate({ json })}
              loading={run.isPending}
              disabled={preview.created.length === 0}
            >
              Import {preview.created.length} server{preview.created.length === 1 ? "" : "s"}
            </Button>
          )}
        </>
      }
    >
      <div className="space-y-4">
        <Field
          label="File contents"
          error={error}
          hint='{ "mcpServers": { "<name>": { "command", "args", "env" } or { "url", "headers" } } }'
        >
          <Textarea
            value={json}
            onChange={(e) => {
              setJson(e.target.value);
              setPreview(null);
            }}
            rows={10}
            className="font-mono text-xs"
            placeholder={EXAMPLE}
            spellCheck={false}
          />
        </Field>
        {preview && (
          <div className="space-y-2 text-sm" aria-live="polite">
            <p className="font-medium text-slate-900">
              {preview.created.length > 0 ? `Will add: ${preview.created.join(", ")}` : "Nothing to add."}
            </p>
            {preview.renamed.length > 0 && (
              <ul className="list-disc pl-5 text-slate-600">
                {preview.renamed.map((r) => (
                  <li key={r.from}>
                    “{r.from}” becomes <code className="font-mono">{r.to}</code>
                  </li>
                ))}
              </ul>
            )}
            {preview.skipped.length > 0 && (
              <>
                <p className="font-medium text-slate-900">Skipped:</p>
                <ul className="list-disc pl-5 text-amber-800">
                  {preview.skipped.map((s) => (
                    <li key={s.name}>
                      <code className="font-mono">{s.name}</code>: {s.reason}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </div>
        )}
      </div>
    </Dialog>
  );
}
