import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// No Docker engine runs here, so the images cannot be built in the tests: this checks that
// the Dockerfile and the production compose file agree with what the build emits and with
// each other (the compiled output itself is exercised by apps/*/src/compiled-*.test.ts).
const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

function stagesOf(dockerfile: string): Stage[] {
  const logical = dockerfile.replace(/\\\n/g, " ").split("\n");
  const stages: Stage[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[2] ?? "", from: from[1]!, lines: [] });
    else if (line.trim() && !line.trim().startsWith("#")) stages.at(-1)?.lines.push(line.trim());
  }
  return stages;
}

/** The effective USER of a stage, following FROM <stage> to its parent. */
function userOf(stages: Stage[], name: string): string {
  const stage = stages.find((s) => s.name === name)!;
  const users = stage.lines.filter((l) => l.startsWith("USER ")).map((l) => l.slice(5).trim());
  if (users.length > 0) return users.at(-1)!;
  return stages.some((s) => s.name === stage.from) ? userOf(stages, stage.from) : "root";
}

const stages = stagesOf(read("deploy/docker/Dockerfile"));
// Compose resolves YAML merge keys (<<: *app-env); so does this parse.
const compose = parse(read("deploy/docker-compose.prod.yml"), { merge: true }) as {
  services: Record<
    string,
    {
      build?: { target: string; dockerfile: string };
      command?: string[];
      environment?: Record<string, string>;
      volumes?: string[];
      depends_on?: Record<string, { condition: string }>;
    }
  >;
};

describe("deploy/docker/Dockerfile", () => {
  it("runs every target as the unprivileged node user", () => {
    for (const target of ["gateway", "worker", "cli", "console"])
      expect(userOf(stages, target), target).toBe("node");
  });

  it("runs what `pnpm build` emits: apps/<app>/dist/main.js", () => {
    for (const app of ["gateway", "worker", "cli"]) {
      const pkg = JSON.parse(read(`apps/${app}/package.json`)) as { scripts: Record<string, string> };
      expect(pkg.scripts.build).toBe("node ../../scripts/build-app.mjs");
      const stage = stages.find((s) => s.name === app)!;
      const run = stage.lines.find((l) => /^(CMD|ENTRYPOINT) /.test(l))!;
      expect(JSON.parse(run.replace(/^(CMD|ENTRYPOINT) /, ""))).toContain(`apps/${app}/dist/main.js`);
    }
    expect(read("scripts/build-app.mjs")).toContain('path.join(appDir, "dist", "main.js")');
  });

  it("builds in a separate stage: runtime images carry no pnpm and no sources", () => {
    const runtime = stages.find((s) => s.name === "runtime")!;
    expect(runtime.from).not.toBe("base");
    for (const target of ["gateway", "worker", "cli", "console"]) {
      const copies = stages.find((s) => s.name === target)!.lines.filter((l) => l.startsWith("COPY"));
      expect(copies.every((l) => l.includes("--from=build") && l.includes(`/out/${target} `))).toBe(true);
    }
  });

  it("keeps node_modules, build output and .env out of the build context", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const entry of ["**/node_modules", "**/dist", "**/.next", ".env"]) expect(ignored).toContain(entry);
  });
});

describe("deploy/docker-compose.prod.yml", () => {
  it("builds each service from a target the Dockerfile defines", () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (!svc.build) continue;
      expect(svc.build.dockerfile).toBe("deploy/docker/Dockerfile");
      expect(
        stages.map((s) => s.name),
        name,
      ).toContain(svc.build.target);
    }
  });

  it("runs Redis with persistence (AOF) and a password every client uses", () => {
    const command = compose.services.redis!.command!;
    expect(command.slice(command.indexOf("--appendonly"), command.indexOf("--appendonly") + 2)).toEqual([
      "--appendonly",
      "yes",
    ]);
    expect(command).toContain("--requirepass");
    for (const name of ["worker", "gateway", "console", "migrate"]) {
      expect(compose.services[name]!.environment!.REDIS_URL, name).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD/);
    }
    expect(compose.services.redis!.volumes).toEqual(["redisdata:/data"]);
  });

  it("migrates before the worker and the console start, and keeps the gateway's spool on a volume", () => {
    for (const name of ["worker", "console"]) {
      expect(compose.services[name]!.depends_on!.migrate).toEqual({
        condition: "service_completed_successfully",
      });
    }
    expect(compose.services.migrate!.command).toEqual(["migrate"]);
    const gateway = compose.services.gateway!;
    expect(gateway.volumes).toContain(`spool:${gateway.environment!.GATEWAY_SPOOL_DIR}`);
  });
});
