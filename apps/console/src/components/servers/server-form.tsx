"use client";

import type { AppRouter } from "@portcullis/api/root";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode, useState } from "react";
import { nameProblem } from "@/lib/validation";
import { useTRPC } from "@/trpc/react";
import { Button, buttonClasses } from "../ui/button";
import { Card } from "../ui/card";
import { cn } from "../ui/cn";
import { errorMessage, fieldErrors } from "../ui/error-state";
import { Field } from "../ui/field";
import { Input, Select, Textarea } from "../ui/input";
import { useToast } from "../ui/toast";
import { type ConnectionTest, ConnectionTestResult } from "./connection-test-result";
import { KeyValueEditor, type KeyValueRow, rowsToRecord } from "./key-value-editor";

type ServerDetail = inferRouterOutputs<AppRouter>["servers"]["get"];
type CreateInput = inferRouterInputs<AppRouter>["servers"]["create"];
type Transport = CreateInput["transport"];
/** What happens to a stored secret on save: values never come back to the browser, so "keep" or re-enter. */
type SecretMode = "keep" | "replace" | "clear";

const TRANSPORTS: Array<{ value: Transport; label: string }> = [
  { value: "streamable-http", label: "Streamable HTTP" },
  { value: "sse", label: "SSE (legacy HTTP+SSE)" },
  { value: "stdio", label: "stdio (local command)" },
];

interface FormState {
  name: string;
  description: string;
  transport: Transport;
  url: string;
  command: string;
  args: string;
  timeoutMs: string;
  /** stdio: the server may use the network (off: cut off in the bubblewrap sandbox). */
  network: boolean;
  /** May ask the agent's user for input during a call (elicitation). */
  allowElicitation: boolean;
  /** May ask the agent's client to sample its model during a call. */
  allowSampling: boolean;
  /** Tools the server first lists after its first sync are served without review. */
  trustNewTools: boolean;
  bearer: string;
  headers: KeyValueRow[];
  env: KeyValueRow[];
  modes: { bearer: SecretMode; headers: SecretMode; env: SecretMode };
}

function initialState(server?: ServerDetail): FormState {
  const stored = server?.secretNames;
  const mode = (present: boolean | undefined): SecretMode => (server && present ? "keep" : "replace");
  return {
    name: server?.name ?? "",
    description: server?.description ?? "",
    transport: server?.transport ?? "streamable-http",
    url: server?.url ?? "",
    command: server?.command ?? "",
    args: server?.args.join("\n") ?? "",
    timeoutMs: String(server?.timeoutMs ?? 30_000),
    network: server?.network ?? true,
    allowElicitation: server?.allowElicitation ?? true,
    allowSampling: server?.allowSampling ?? false,
    trustNewTools: server?.trustNewTools ?? false,
    bearer: "",
    headers: [],
    env: [],
    modes: {
      bearer: mode(stored?.bearer),
      headers: mode((stored?.headers.length ?? 0) > 0),
      env: mode((stored?.env.length ?? 0) > 0),
    },
  };
}

/** The form's values as the API takes them; secrets follow their mode (keep = leave out). */
function payload(state: FormState, editing: boolean) {
  const http = state.transport !== "stdio";
  const secret = <T,>(mode: SecretMode, value: T | undefined): T | null | undefined => {
    if (mode === "keep") return undefined;
    if (mode === "clear") return null;
    return value === undefined ? (editing ? null : undefined) : value;
  };
  const headers = rowsToRecord(state.headers);
  const env = rowsToRecord(state.env);
  return {
    name: state.name.trim(),
    description: state.description.trim() || null,
    transport: state.transport,
    url: http ? state.url.trim() || null : null,
    command: http ? null : state.command.trim() || null,
    args: http
      ? []
      : state.args
          .split("\n")
          .map((a) => a.trim())
          .filter(Boolean),
    timeoutMs: Number(state.timeoutMs),
    network: http ? undefined : state.network,
    allowElicitation: state.allowElicitation,
    allowSampling: state.allowSampling,
    trustNewTools: state.trustNewTools,
    bearer: http ? secret(state.modes.bearer, state.bearer.trim() || undefined) : undefined,
    headers: http
      ? secret(state.modes.headers, Object.keys(headers).length ? headers : undefined)
      : undefined,
    env: http ? undefined : secret(state.modes.env, Object.keys(env).length ? env : undefined),
  };
}

/** Errors the browser can tell at once, before asking the server (which checks everything again). */
function localProblems(state: FormState): Record<string, string> {
  const problems: Record<string, string> = {};
  const name = nameProblem(state.name);
  if (name) problems.name = name;
  if (state.transport === "stdio" && state.command.trim() === "")
    problems.command = "Enter the command to run";
  if (state.transport !== "stdio") {
    if (state.url.trim() === "") problems.url = "Enter the server's URL";
    else if (!URL.canParse(state.url.trim()))
      problems.url = "Enter a full URL, like https://mcp.example.com/mcp";
  }
  const timeout = Number(state.timeoutMs);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 600_000) {
    problems.timeoutMs = "Enter a whole number of milliseconds from 100 to 600000";
  }
  return problems;
}

/** Add or edit an upstream MCP server, with a "Test connection" step before saving. */
export function ServerForm({ server }: { server?: ServerDetail }) {
  const editing = server !== undefined;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const toast = useToast();
  const [state, setState] = useState(() => initialState(server));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [tested, setTested] = useState<ConnectionTest | null>(null);
  const set = (patch: Partial<FormState>) => {
    setState((s) => ({ ...s, ...patch }));
    setTested(null);
  };
  const setMode = (key: keyof FormState["modes"], mode: SecretMode) =>
    set({ modes: { ...state.modes, [key]: mode } });

  const onError = (error: unknown) => {
    const fields = fieldErrors(error);
    setErrors({ ...fields, ...(Object.keys(fields).length === 0 && { form: errorMessage(error) }) });
  };
  const saved = async (id: string, message: string) => {
    toast.success(message);
    await queryClient.invalidateQueries({ queryKey: trpc.servers.pathKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.servers.get.queryKey({ id }) });
    router.push(`/servers/${id}`);
  };
  const create = useMutation(
    trpc.servers.create.mutationOptions({
      onSuccess: ({ id }) => saved(id, `Server ${state.name} added. Sync its catalog to list its tools.`),
      onError,
    }),
  );
  const update = useMutation(
    trpc.servers.update.mutationOptions({
      onSuccess: ({ id, changed }) =>
        saved(id, changed.length === 0 ? "Nothing to save: no field changed" : `Saved ${changed.join(", ")}`),
      onError,
    }),
  );
  const test = useMutation(
    trpc.servers.testConnection.mutationOptions({ onSuccess: (result) => setTested(result), onError }),
  );

  const check = (): boolean => {
    const problems = localProblems(state);
    setErrors(problems);
    return Object.keys(problems).length === 0;
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!check()) return;
    const values = payload(state, editing);
    if (server) update.mutate({ id: server.id, ...values });
    else create.mutate(values as CreateInput);
  };
  const runTest = () => {
    if (!check()) return;
    const values = payload(state, editing);
    test.mutate(server ? { id: server.id, changes: values } : { spec: values as CreateInput });
  };

  const http = state.transport !== "stdio";
  const stored = server?.secretNames;
  // The stored bearer and headers were given for the saved origin; the use case drops them on a move.
  const movesOrigin =
    editing &&
    http &&
    (stored?.bearer || (stored?.headers.length ?? 0) > 0) &&
    originChanged(server.url, state.url);
  return (
    <form
      onSubmit={submit}
      noValidate
      className="max-w-3xl space-y-6"
      aria-label={editing ? "Edit server" : "Add server"}
    >
      <Card title="Server">
        <div className="grid gap-4 md:grid-cols-2">
          <Field
            label="Name"
            required
            error={errors.name}
            hint="Lowercase letters, digits and dashes; tools are exposed as <name>__<tool>"
          >
            <Input
              value={state.name}
              onChange={(e) => set({ name: e.target.value })}
              autoComplete="off"
              autoFocus={!editing}
            />
          </Field>
          <Field label="Transport" required error={errors.transport}>
            <Select
              value={state.transport}
              onChange={(e) => set({ transport: e.target.value as Transport })}
              options={TRANSPORTS}
            />
          </Field>
          <Field label="Description" error={errors.description} className="md:col-span-2">
            <Input value={state.description} onChange={(e) => set({ description: e.target.value })} />
          </Field>
          {http ? (
            <Field
              label="URL"
              required
              error={errors.url}
              className="md:col-span-2"
              hint={
                state.transport === "sse"
                  ? "The GET endpoint of the event stream, e.g. https://host/sse"
                  : "The MCP endpoint, e.g. https://host/mcp"
              }
            >
              <Input
                value={state.url}
                onChange={(e) => set({ url: e.target.value })}
                inputMode="url"
                autoComplete="off"
                placeholder="https://"
              />
            </Field>
          ) : (
            <>
              <Field
                label="Command"
                required
                error={errors.command}
                hint="Run by the gateway and the worker, e.g. npx"
              >
                <Input
                  value={state.command}
                  onChange={(e) => set({ command: e.target.value })}
                  className="font-mono"
                  autoComplete="off"
                />
              </Field>
              <Field label="Arguments" error={errors.args ?? errors["args.0"]} hint="One per line">
                <Textarea
                  value={state.args}
                  onChange={(e) => set({ args: e.target.value })}
                  rows={3}
                  className="font-mono"
                />
              </Field>
              <p className="text-xs text-slate-600 md:col-span-2">
                Only command lines the operator allows (PORTCULLIS_STDIO_ALLOW on the gateway and the worker)
                start; the console itself never runs them.
              </p>
              <Checkbox
                className="md:col-span-2"
                label="Network access"
                hint="(off: the server runs cut off from the network, in the bubblewrap sandbox)"
                checked={state.network}
                onChange={(network) => set({ network })}
              />
            </>
          )}
          <Field label="Timeout (ms)" required error={errors.timeoutMs} hint="Per upstream request">
            <Input
              value={state.timeoutMs}
              onChange={(e) => set({ timeoutMs: e.target.value })}
              inputMode="numeric"
            />
          </Field>
        </div>
      </Card>

      <Card title="Requests to the agent's client">
        <p className="mb-3 text-sm text-slate-600">
          During a call a server may ask the agent's client for something. Each request is audited; a refused
          one gets an error the server can read.
        </p>
        <div className="grid gap-2">
          <Checkbox
            label="Ask the user for input"
            hint="(elicitation: a form, or an https link to open)"
            checked={state.allowElicitation}
            onChange={(allowElicitation) => set({ allowElicitation })}
          />
          <Checkbox
            label="Use the client's model"
            hint="(sampling: spends the agent's model budget)"
            checked={state.allowSampling}
            onChange={(allowSampling) => set({ allowSampling })}
          />
        </div>
      </Card>

      <Card title="New tools">
        <p className="mb-3 text-sm text-slate-600">
          The first sync accepts the server's tools. A tool it lists later is quarantined as a new tool: no
          agent sees or calls it until an admin approves it on the Review page.
        </p>
        <Checkbox
          label="Trust new tools"
          hint="(serve them at once to agents whose grants cover them, without review)"
          checked={state.trustNewTools}
          onChange={(trustNewTools) => set({ trustNewTools })}
        />
      </Card>

      <Card title="Credentials">
        <p className="mb-4 text-sm text-slate-600">
          Sealed with the installation key before they are stored. They are sent to the upstream by the
          gateway and never shown again, here or to agents.
        </p>
        {movesOrigin && (
          <p role="status" className="mb-4 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
            The URL now points to another host: the stored credentials stay with the old one and are dropped
            on save (and not sent by a test). Enter them again for the new host.
          </p>
        )}
        {http ? (
          <div className="space-y-5">
            <SecretSection
              title="Bearer token"
              labelled
              storedLabel={stored?.bearer ? "A bearer token is stored." : null}
              mode={state.modes.bearer}
              onMode={(m) => setMode("bearer", m)}
            >
              <Field label="Bearer token" error={errors.bearer} hint="Sent as Authorization: Bearer …">
                <Input
                  type="password"
                  value={state.bearer}
                  onChange={(e) => set({ bearer: e.target.value })}
                  autoComplete="new-password"
                />
              </Field>
            </SecretSection>
            <SecretSection
              title="Headers"
              storedLabel={
                stored && stored.headers.length > 0 ? `Stored: ${stored.headers.join(", ")}.` : null
              }
              mode={state.modes.headers}
              onMode={(m) => setMode("headers", m)}
            >
              <KeyValueEditor
                label="Header"
                rows={state.headers}
                onChange={(headers) => set({ headers })}
                keyPlaceholder="X-Api-Key"
                errors={prefixed(errors, "headers.")}
              />
            </SecretSection>
          </div>
        ) : (
          <SecretSection
            title="Environment"
            storedLabel={stored && stored.env.length > 0 ? `Stored: ${stored.env.join(", ")}.` : null}
            mode={state.modes.env}
            onMode={(m) => setMode("env", m)}
          >
            <KeyValueEditor
              label="Variable"
              rows={state.env}
              onChange={(env) => set({ env })}
              keyPlaceholder="API_KEY"
              errors={prefixed(errors, "env.")}
            />
          </SecretSection>
        )}
      </Card>

      <div className="space-y-3">
        {tested && <ConnectionTestResult result={tested} />}
        {errors.form && (
          <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
            {errors.form}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <Button variant="secondary" onClick={runTest} loading={test.isPending}>
            Test connection
          </Button>
          <Button type="submit" loading={create.isPending || update.isPending}>
            {editing ? "Save changes" : "Add server"}
          </Button>
          <Link href={server ? `/servers/${server.id}` : "/servers"} className={buttonClasses("ghost")}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}

function SecretSection({
  title,
  labelled = false,
  storedLabel,
  mode,
  onMode,
  children,
}: {
  title: string;
  /** The content has its own label (a single field), so the heading is for screen readers only. */
  labelled?: boolean;
  /** Set when the server has this secret stored (edit form). */
  storedLabel: string | null;
  mode: SecretMode;
  onMode: (mode: SecretMode) => void;
  children: ReactNode;
}) {
  // The bearer token's own field names it; header and variable lists need a visible heading.
  const legend = (
    <legend
      className={cn("mb-2 text-sm font-medium text-slate-800", storedLabel === null && labelled && "sr-only")}
    >
      {title}
    </legend>
  );
  if (storedLabel === null) {
    return (
      <fieldset>
        {legend}
        {children}
      </fieldset>
    );
  }
  return (
    <fieldset className="space-y-2">
      {legend}
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <span>{storedLabel}</span>
        {mode === "keep" ? (
          <>
            <Button variant="secondary" size="sm" onClick={() => onMode("replace")}>
              Replace {title.toLowerCase()}
            </Button>
            <Button variant="ghost" size="sm" onClick={() => onMode("clear")}>
              Remove {title.toLowerCase()}
            </Button>
          </>
        ) : (
          <>
            <span className="font-medium">
              {mode === "clear" ? "Will be removed on save." : "Enter the new value:"}
            </span>
            <Button variant="ghost" size="sm" onClick={() => onMode("keep")}>
              Keep stored
            </Button>
          </>
        )}
      </div>
      {mode === "replace" && children}
    </fieldset>
  );
}

function prefixed(errors: Record<string, string>, prefix: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(errors)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  );
}

/** Whether the scheme, host or port differ (an unparsable URL counts as different). */
function originChanged(saved: string | null, typed: string): boolean {
  if (saved === null || typed.trim() === "" || saved === typed.trim()) return false;
  try {
    return new URL(saved).origin !== new URL(typed.trim()).origin;
  } catch {
    return true;
  }
}

/** A server setting that is on or off, with what it means in a muted hint. */
function Checkbox(props: {
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  className?: string;
}) {
  return (
    <label
      className={`inline-flex items-center gap-1.5 text-sm font-medium text-slate-800 ${props.className ?? ""}`}
    >
      <input
        type="checkbox"
        className="h-4 w-4 rounded border-slate-300 text-indigo-600"
        checked={props.checked}
        onChange={(e) => props.onChange(e.target.checked)}
      />
      {props.label} <span className="font-normal text-slate-500">{props.hint}</span>
    </label>
  );
}
