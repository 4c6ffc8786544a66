import { type ChildProcess, spawn } from "node:child_process";

/**
 * Child processes started in their own process group, so that stopping one also stops
 * whatever it started (`npx` → `sh` → `node server.js`): signals go to the whole group.
 */

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Last resort: if the gateway exits without closing its pool, take the groups down with it. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}

/** Sends `signal` to every process of the group; false when the group no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

export interface GroupChild {
  child: ChildProcess;
  pid: number;
  /** Resolves once the group leader has exited (any stragglers in the group are then killed). */
  exited: Promise<void>;
}

/**
 * Spawns `command` as the leader of a new process group with piped stdio.
 * Rejects when the process cannot be started (ENOENT, EACCES…).
 */
export function spawnGroupLeader(
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string },
): Promise<GroupChild> {
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      // A plain record: the Node types of some hosts (Next.js) demand NODE_ENV in ProcessEnv.
      env: options.env as NodeJS.ProcessEnv,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
      shell: false,
      windowsHide: true,
    });
    child.once("error", reject);
    child.once("spawn", () => {
      const pid = child.pid as number;
      liveGroups.add(pid);
      const exited = new Promise<void>((done) => {
        child.once("exit", () => {
          // The leader is gone; anything it left running in the group is an orphan now.
          signalGroup(pid, "SIGKILL");
          liveGroups.delete(pid);
          done();
        });
      });
      child.off("error", reject);
      resolve({ child, pid, exited });
    });
  });
}

/**
 * Stops a process group: closes the leader's stdin (the polite MCP way), sends SIGTERM to
 * the group, and SIGKILL after `graceMs` if the leader is still alive. Resolves when the
 * leader has exited.
 */
export async function stopGroup(group: GroupChild, graceMs: number): Promise<void> {
  const { child, pid, exited } = group;
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.stdin?.end();
  signalGroup(pid, "SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      signalGroup(pid, "SIGKILL");
      resolve();
    }, graceMs);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}
