// The console half of `npm run demo`, called by scripts/demo.mjs once the database is
// migrated and the demo configuration applied:
//
//   import { startConsoleStack } from "./demo-console.mjs";
//   const lines = await startConsoleStack({ root, env: process.env, startChild, waitForHttp });
//
// Builds the console if its sources changed, gives the demo people their roles, starts the
// development OpenID provider and the console, and returns the lines to print.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { buildConsoleIfChanged, CONSOLE_DIST_DIR } from "../apps/console/scripts/build-if-changed.mjs";

const DEMO_PASSWORD = "portcullis-demo";
const DEMO_LOGINS = [
  ["admin@example.com", "admin"],
  ["approver@example.com", "approver"],
  ["auditor@example.com", "auditor"],
  ["member@example.com", "member"],
];
// The placeholder in .env.example: public, so never used to sign real sessions.
const EXAMPLE_SECRET = /^change-me/;

/**
 * @param {{ root: string, env: Record<string, string | undefined>,
 *   startChild: (name: string, cmd: string, args: string[], env?: Record<string, string>) => import("node:child_process").ChildProcess,
 *   waitForHttp: (url: string, timeoutMs?: number) => Promise<void> }} deps
 * @returns {Promise<{ children: import("node:child_process").ChildProcess[], lines: string[] }>}
 *   the processes it started (stop them with the rest) and the lines to print.
 */
export async function startConsoleStack({ root, env, startChild, waitForHttp }) {
  const log = (m) => process.stderr.write(`\x1b[36m[portcullis]\x1b[0m ${m}\n`);
  const tsx = join(root, "node_modules", ".bin", "tsx");
  const consoleUrl = (env.NEXTAUTH_URL ?? "http://127.0.0.1:3000").replace(/\/$/, "");
  const { hostname: consoleHost, port: consolePort } = new URL(consoleUrl);
  const idpPort = env.DEV_IDP_PORT ?? "4100";
  const devIssuer = (env.DEV_IDP_ISSUER ?? `http://127.0.0.1:${idpPort}`).replace(/\/$/, "");
  const issuer = (env.OIDC_ISSUER ?? devIssuer).replace(/\/$/, "");
  // With a real provider configured, the demo users and their password do not exist.
  const useDevIdp = issuer === devIssuer;
  const clientId = env.OIDC_CLIENT_ID ?? "portcullis-console";
  const clientSecret = env.OIDC_CLIENT_SECRET ?? "portcullis-dev-client-secret";
  const nextAuthSecret =
    env.NEXTAUTH_SECRET && !EXAMPLE_SECRET.test(env.NEXTAUTH_SECRET)
      ? env.NEXTAUTH_SECRET
      : randomBytes(32).toString("base64url");

  await buildConsoleIfChanged({ log });

  let orgSlug;
  if (useDevIdp) {
    log("giving the demo people their roles");
    const seed = spawnSync(tsx, [join(root, "apps/console/scripts/seed-demo.ts")], {
      cwd: root,
      env: { ...process.env, ...env },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (seed.status !== 0) throw new Error("seeding the demo identities failed");
    orgSlug = JSON.parse(seed.stdout.trim().split("\n").pop()).orgSlug;
  }

  const shared = { OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret, NEXTAUTH_URL: consoleUrl };
  const children = [];
  if (useDevIdp) {
    log(`starting the dev OpenID provider (${issuer})`);
    children.push(
      startChild("dev-idp", tsx, [join(root, "apps/dev-idp/src/main.ts")], {
        ...shared,
        DEV_IDP_PORT: idpPort,
        DEV_IDP_ISSUER: issuer,
      }),
    );
  }
  log(`starting the console (${consoleUrl})`);
  const consoleApp = startChild(
    "console",
    join(root, "apps/console/node_modules/.bin/next"),
    ["start", join(root, "apps/console"), "--hostname", consoleHost, "--port", consolePort || "3000"],
    {
      ...shared,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      CONSOLE_DIST_DIR,
      NEXTAUTH_SECRET: nextAuthSecret,
      OIDC_ISSUER: issuer,
      OIDC_PROVIDER_NAME: env.OIDC_PROVIDER_NAME ?? "Portcullis dev SSO",
      GATEWAY_PUBLIC_URL:
        env.GATEWAY_PUBLIC_URL ?? `http://${env.GATEWAY_HOST ?? "127.0.0.1"}:${env.GATEWAY_PORT ?? "4000"}`,
    },
  );
  children.push(consoleApp);
  if (useDevIdp) await waitForHttp(`${issuer}/.well-known/openid-configuration`);
  await waitForHttp(`${consoleUrl}/login`);

  const width = Math.max(...DEMO_LOGINS.map(([email]) => email.length));
  return {
    children,
    lines: useDevIdp
      ? [
          `Console        ${consoleUrl}   (organization "${orgSlug}")`,
          `Sign in through the dev OpenID provider (${issuer}); every demo login's password is ${DEMO_PASSWORD}:`,
          ...DEMO_LOGINS.map(([email, role]) => `  ${email.padEnd(width)}  ${role}`),
        ]
      : [`Console        ${consoleUrl}   (sign in with ${env.OIDC_PROVIDER_NAME ?? issuer})`],
  };
}
