import { lstatSync, mkdirSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { AppError } from "@portcullis/contracts/errors";

/**
 * How stdio servers are started: which commands may run and in what sandbox. Set by the
 * operator only (environment of the gateway and the worker), never by the console or an
 * apply file, since whoever sets it decides what runs on the installation's machines.
 */
export type StdioSandbox = "none" | "bubblewrap";

export interface StdioLaunchPolicy {
  /**
   * Allowed command lines. An entry is a command (`node`, `/usr/bin/uvx`), optionally
   * followed by the leading arguments it must be called with
   * (`npx -y @modelcontextprotocol/server-memory`). Empty: no stdio server can start.
   */
  allow: readonly string[];
  /** `bubblewrap` runs every server in a bwrap sandbox; `none` is for development only. */
  sandbox: StdioSandbox;
  /**
   * bubblewrap: each server gets `<workRoot>/<server id>` as its only writable directory,
   * its working directory and its HOME. Default `.portcullis/stdio`.
   */
  workRoot?: string;
  /** bubblewrap: more paths the servers may read (where their code lives, e.g. /opt/mcp). */
  readOnlyPaths?: readonly string[];
}

/** A policy that lets nothing start: the default when the operator configured none. */
export const NO_STDIO: StdioLaunchPolicy = { allow: [], sandbox: "none" };

/** What is actually executed for one server. */
export interface StdioLaunch {
  command: string;
  args: string[];
  /** The complete environment of the started process (bubblewrap: of bwrap, which clears it for the server). */
  env: Record<string, string>;
  cwd?: string;
  /** The server's own command line, for the audit log and the console. */
  commandLine: string;
}

/** The command line as an admin reads it: arguments with spaces or quotes are quoted. */
export function formatCommandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map(quoteArg).join(" ");
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Whether the allowlist admits the command line (command equal to an entry's, leading args equal). */
export function commandAllowed(policy: StdioLaunchPolicy, command: string, args: readonly string[]): boolean {
  return policy.allow.some((entry) => {
    const [allowedCommand, ...allowedArgs] = entry.trim().split(/\s+/);
    if (!allowedCommand || allowedCommand !== command) return false;
    return allowedArgs.every((arg, i) => args[i] === arg);
  });
}

/**
 * Refuses a command line the operator did not allow.
 * @throws AppError FORBIDDEN naming the command line and the variable that allows it.
 */
export function assertCommandAllowed(
  policy: StdioLaunchPolicy,
  command: string,
  args: readonly string[],
): void {
  if (commandAllowed(policy, command, args)) return;
  throw new AppError(
    "FORBIDDEN",
    `the stdio command '${formatCommandLine(command, args)}' is not allowed on this installation; ` +
      "the operator allows stdio commands with PORTCULLIS_STDIO_ALLOW" +
      (policy.allow.length > 0 ? ` (now: ${policy.allow.join(", ")})` : " (now empty)"),
    { details: { command } },
  );
}

/**
 * Builds the process to start for a stdio server under the policy.
 *
 * bubblewrap: the server sees a fresh root with the system directories read-only (/usr,
 * /bin, /lib*, the few /etc files programs need), its own /proc of a new pid namespace (so
 * no `/proc/<gateway pid>/environ`), an empty /tmp, and one writable directory of its own.
 * The gateway's home, the project directory and `.env` are simply not there. bwrap clears
 * the environment and sets only the server's configured one. With `network: false` it gets
 * a network namespace with nothing but loopback.
 */
export function buildStdioLaunch(
  policy: StdioLaunchPolicy,
  server: {
    id: string;
    command: string;
    args: readonly string[];
    env: Record<string, string>;
    network: boolean;
  },
  baseEnv: Record<string, string>,
): StdioLaunch {
  assertCommandAllowed(policy, server.command, server.args);
  const commandLine = formatCommandLine(server.command, server.args);
  const env = { ...baseEnv, ...server.env };
  if (policy.sandbox === "none") {
    return { command: server.command, args: [...server.args], env, commandLine };
  }
  const workDir = resolve(policy.workRoot ?? ".portcullis/stdio", safeDirName(server.id));
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const sandboxEnv = { ...env, HOME: workDir, TMPDIR: "/tmp" };
  const args = [
    "--die-with-parent",
    // Run as root (a container), bwrap would otherwise hand the server every capability:
    // enough to mknod the host's disk and mount it. Dropped, it is an ordinary process.
    "--cap-drop",
    "ALL",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    ...(server.network ? [] : ["--unshare-net"]),
    ...systemBinds(),
    ...(policy.readOnlyPaths ?? []).flatMap((path) => ["--ro-bind", resolve(path), resolve(path)]),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    "--bind",
    workDir,
    workDir,
    "--chdir",
    workDir,
    "--clearenv",
    ...Object.entries(sandboxEnv).flatMap(([key, value]) => ["--setenv", key, value]),
    "--",
    server.command,
    ...server.args,
  ];
  // bwrap itself needs only PATH to be found; the server's environment travels as --setenv.
  return {
    command: "bwrap",
    args,
    env: { PATH: baseEnv.PATH ?? "/usr/bin:/bin" },
    cwd: workDir,
    commandLine,
  };
}

/** System directories a program needs, read-only; merged-/usr symlinks (/bin → usr/bin) are recreated as symlinks. */
function systemBinds(): string[] {
  const binds = ["--ro-bind", "/usr", "/usr"];
  for (const dir of ["/bin", "/sbin", "/lib", "/lib32", "/lib64"]) {
    const kind = entryKind(dir);
    if (kind === "symlink") binds.push("--symlink", readlinkSync(dir), dir);
    else if (kind === "dir") binds.push("--ro-bind", dir, dir);
  }
  for (const file of ETC_FILES) binds.push("--ro-bind-try", join("/etc", file), join("/etc", file));
  return binds;
}

/** Name resolution, TLS roots, time zone, alternatives (Debian's /usr/bin/* links): nothing with secrets. */
const ETC_FILES = [
  "alternatives",
  "ssl",
  "ca-certificates",
  "resolv.conf",
  "hosts",
  "nsswitch.conf",
  "localtime",
  "passwd",
  "group",
];

function entryKind(path: string): "symlink" | "dir" | "none" {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return "symlink";
    return stat.isDirectory() ? "dir" : "none";
  } catch {
    return "none";
  }
}

function safeDirName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "_") || "server";
}
