import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSDeferredPromise,
  type QuickJSHandle,
  RELEASE_SYNC,
} from "quickjs-emscripten";
import { limitMessage, type SandboxLimitKind, type SandboxLimits } from "./sandbox-limits";

/** A tool call refused or failed inside the sandbox: what the code's `catch` sees. */
export interface ToolCallFailure {
  message: string;
  /** The JSON-RPC code a direct call would have got. */
  code?: number;
  data?: unknown;
}

export interface SandboxHost {
  /** `tools.<identifier>` calls the tool `name`. */
  tools: ReadonlyArray<{ identifier: string; name: string }>;
  /** Resolves to a JSON value, or rejects with a ToolCallFailure. */
  callTool(name: string, args: Record<string, unknown>): Promise<unknown>;
  signal?: AbortSignal;
}

export type SandboxOutcome =
  | { ok: true; value: unknown; logs: string[]; toolCalls: number }
  | { ok: false; message: string; limit: SandboxLimitKind | null; logs: string[]; toolCalls: number };

// Defines the guest's API from two host functions, then removes every trace of them.
// `tools` is frozen so code cannot swap a tool for another; none of it can reach the host:
// values cross as JSON strings only, so no guest object or prototype is ever shared.
const PRELUDE = `(function (call, log, namesJson) {
  "use strict";
  const parse = JSON.parse, stringify = JSON.stringify;
  const invoke = async (name, args) =>
    parse(await call(String(name), stringify(args === undefined ? {} : args)));
  const tools = Object.create(null);
  for (const [id, name] of parse(namesJson)) tools[id] = (args) => invoke(name, args);
  Object.defineProperty(globalThis, "tools", { value: Object.freeze(tools), enumerable: true });
  globalThis.callTool = invoke;
  const write = (...parts) =>
    log(parts.map((p) => (typeof p === "string" ? p : stringify(p))).join(" "));
  globalThis.console = Object.freeze({ log: write, info: write, warn: write, error: write });
})`;

/** The QuickJS heap starts at Emscripten's initial memory (16 MiB); the cap comes on top. */
const BASE_PAGES = 256;
const PAGE = 64 * 1024;

let compiled: Promise<WebAssembly.Module> | null = null;

/** The QuickJS WebAssembly binary, compiled once per process (instantiating it is cheap). */
function quickjsWasm(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const fromQuickjs = createRequire(createRequire(import.meta.url).resolve("quickjs-emscripten"));
    const dir = dirname(fromQuickjs.resolve("@jitl/quickjs-wasmfile-release-sync/package.json"));
    return WebAssembly.compile(await readFile(join(dir, "dist/emscripten-module.wasm")));
  })();
  return compiled;
}

/**
 * A fresh WebAssembly instance per run, whose linear memory cannot grow past the limit: the
 * hard memory bound (QuickJS's own malloc limit undercounts in this build, which has no
 * malloc_usable_size), and nothing one run leaves behind can reach the next.
 */
async function newQuickJS(limits: SandboxLimits) {
  const wasmMemory = new WebAssembly.Memory({
    initial: BASE_PAGES,
    maximum: BASE_PAGES + Math.ceil(limits.memoryBytes / PAGE),
  });
  return newQuickJSWASMModuleFromVariant(
    newVariant(RELEASE_SYNC, { wasmModule: await quickjsWasm(), wasmMemory }),
  );
}

class Stopped extends Error {
  constructor(
    readonly limit: SandboxLimitKind | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs model-written JavaScript in QuickJS compiled to WebAssembly: a fresh runtime per run,
 * with no module loader, no timers and no host objects but two functions (tool calls and
 * console output). The interpreter is interrupted when its own running time passes the CPU
 * budget; memory and stack are capped by the runtime; output and tool calls are counted here.
 */
export async function runInSandbox(
  code: string,
  host: SandboxHost,
  limits: SandboxLimits,
): Promise<SandboxOutcome> {
  const runtime = (await newQuickJS(limits)).newRuntime();
  runtime.setMemoryLimit(limits.memoryBytes);
  runtime.setMaxStackSize(limits.stackBytes);
  let cpuUsed = 0;
  let sliceStart = 0;
  let stopped: Stopped | null = null;
  const stop = (
    limit: SandboxLimitKind | null,
    message = limit ? limitMessage(limit, limits) : "stopped",
  ) => {
    stopped ??= new Stopped(limit, message);
    wake();
  };
  runtime.setInterruptHandler(() => {
    if (stopped) return true;
    if (cpuUsed + performance.now() - sliceStart <= limits.cpuMs) return false;
    stop("cpu");
    return true;
  });
  const inVm = <T>(fn: () => T): T => {
    sliceStart = performance.now();
    try {
      return fn();
    } finally {
      cpuUsed += performance.now() - sliceStart;
    }
  };

  const vm = runtime.newContext();
  const logs: string[] = [];
  let outputBytes = 0;
  let toolCalls = 0;
  let inFlight = 0;
  let closed = false;
  const pending = new Set<QuickJSDeferredPromise>();
  let wake: () => void = () => undefined;
  const onAbort = () => stop(null, "execute cancelled: the client went away");
  host.signal?.addEventListener("abort", onAbort);

  const countOutput = (bytes: number) => {
    outputBytes += bytes;
    if (outputBytes > limits.outputBytes) stop("output");
    if (stopped) throw new Error(stopped.message);
  };

  const callFn = vm.newFunction("call", (nameHandle, argsHandle) => {
    if (stopped) throw new Error(stopped.message);
    if (vm.typeof(argsHandle) !== "string") throw new TypeError("tool arguments must be a JSON object");
    toolCalls += 1;
    if (toolCalls > limits.toolCalls) {
      stop("toolCalls");
      throw new Error(limitMessage("toolCalls", limits));
    }
    const name = vm.getString(nameHandle);
    const args = JSON.parse(vm.getString(argsHandle)) as unknown;
    const deferred = vm.newPromise();
    pending.add(deferred);
    inFlight += 1;
    const settle = (fn: (vm: QuickJSContext) => void) => {
      inFlight -= 1;
      if (!closed) {
        fn(vm);
        pending.delete(deferred);
        deferred.dispose();
      }
      wake();
    };
    const call =
      args && typeof args === "object" && !Array.isArray(args)
        ? host.callTool(name, args as Record<string, unknown>)
        : Promise.reject({ message: "tool arguments must be a JSON object" } satisfies ToolCallFailure);
    call.then(
      (value) =>
        settle(() => {
          const json = JSON.stringify(value ?? null);
          vm.newString(json).consume((h) => deferred.resolve(h));
        }),
      (err: ToolCallFailure) =>
        settle(() => {
          const error = vm.newError({ name: "ToolError", message: String(err?.message ?? err) });
          if (err?.code !== undefined) vm.newNumber(err.code).consume((h) => vm.setProp(error, "code", h));
          error.consume((h) => deferred.reject(h));
        }),
    );
    return deferred.handle.dup();
  });
  const logFn = vm.newFunction("log", (lineHandle) => {
    const line = vm.getString(lineHandle);
    countOutput(Buffer.byteLength(line) + 1);
    logs.push(line);
  });

  type Settled =
    | { ok: true; value: unknown }
    | { ok: false; message: string; limit: SandboxLimitKind | null };
  const finish = (outcome: Settled): SandboxOutcome => ({ ...outcome, logs, toolCalls });
  let promise: QuickJSHandle | null = null;
  let stringify: QuickJSHandle | null = null;
  try {
    stringify = vm.getProp(vm.global, "JSON").consume((j) => vm.getProp(j, "stringify"));
    const names = JSON.stringify(host.tools.map((t) => [t.identifier, t.name]));
    inVm(() =>
      vm
        .unwrapResult(vm.evalCode(PRELUDE, "prelude.js"))
        .consume((fn) =>
          vm
            .newString(names)
            .consume((n) => vm.unwrapResult(vm.callFunction(fn, vm.undefined, callFn, logFn, n))),
        )
        .dispose(),
    );
    const started = inVm(() => vm.evalCode(`(async () => {\n${code}\n})()`, "execute.js"));
    if (started.error) {
      const message = errorText(vm, started.error);
      started.error.dispose();
      throw stopped ?? new Stopped(null, message);
    }
    promise = started.value;
    for (;;) {
      const jobs = inVm(() => runtime.executePendingJobs());
      if (jobs.error) {
        const message = errorText(vm, jobs.error);
        jobs.error.dispose();
        if (!stopped) stop(null, message);
      }
      if (stopped) throw stopped;
      const state = vm.getPromiseState(promise);
      if (state.type === "fulfilled") {
        const json = state.value.consume((v) =>
          inVm(() => vm.callFunction(stringify as QuickJSHandle, vm.undefined, v)),
        );
        if (json.error)
          throw new Stopped(
            null,
            json.error.consume((e) => errorText(vm, e)),
          );
        const text = json.value.consume((h) => (vm.typeof(h) === "string" ? vm.getString(h) : "null"));
        if (outputBytes + Buffer.byteLength(text) > limits.outputBytes)
          throw new Stopped("output", limitMessage("output", limits));
        return finish({ ok: true, value: JSON.parse(text) });
      }
      if (state.type === "rejected") {
        const message = state.error.consume((e) => errorText(vm, e));
        throw stopped ?? new Stopped(/out of memory/i.test(message) ? "memory" : null, message);
      }
      if (inFlight === 0)
        throw new Stopped(null, "execute stopped: the code awaits something that never settles");
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = () => undefined;
    }
  } catch (caught) {
    // Anything else is the interpreter itself failing (the host stack, an Emscripten abort):
    // this run's instance is dropped below, so it is one failed run, never a failed gateway.
    const err =
      caught instanceof Stopped
        ? caught
        : new Stopped(null, `execute stopped: the sandbox failed (${String(caught).slice(0, 200)})`);
    const limit = err.limit ?? (/out of memory/i.test(err.message) ? "memory" : null);
    return finish({ ok: false, limit, message: limit ? limitMessage(limit, limits) : err.message });
  } finally {
    closed = true;
    host.signal?.removeEventListener("abort", onAbort);
    try {
      for (const d of pending) d.dispose();
      promise?.dispose();
      stringify?.dispose();
      callFn.dispose();
      logFn.dispose();
      vm.dispose();
      runtime.dispose();
    } catch {
      // QuickJS can leave objects behind after a stack overflow or out-of-memory, and then
      // refuses to free its runtime. The instance is this run's alone: dropping it frees it.
    }
  }
}

/** The guest's error as one line (`TypeError: x is not a function`), never a host stack. */
function errorText(vm: QuickJSContext, handle: QuickJSHandle): string {
  const dumped = vm.dump(handle) as unknown;
  if (dumped && typeof dumped === "object" && "message" in dumped) {
    const e = dumped as { name?: string; message?: string };
    return `${e.name ?? "Error"}: ${e.message ?? ""}`;
  }
  return `Uncaught ${typeof dumped === "string" ? dumped : JSON.stringify(dumped)}`;
}
