import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { seedDemoIdentities } from "@portcullis/control/identity/seed-demo-identities";
import { createTestDatabase } from "@portcullis/testkit/db";
import { DEMO_ACCOUNTS } from "@portcullis/testkit/dev-idp/accounts";
import { startDevIdp } from "@portcullis/testkit/dev-idp/start-dev-idp";
import { startLegacyHttpServer } from "@portcullis/testkit/fixture-servers";
import { freePort } from "@portcullis/testkit/ports";
import { cleanupRedisPrefix, testRedisNames } from "@portcullis/testkit/redis";
import { Redis } from "ioredis";
import { buildConsoleIfChanged, CONSOLE_DIST_DIR } from "../apps/console/scripts/build-if-changed.mjs";
import { artifactsDir } from "./support/artifacts";
import { type Child, startChild, waitForHttp } from "./support/children";
import { exportStack } from "./support/stack-env";
import { DEMO_PASSWORD, E2E_USERS, INVITEE, OWNER_EMAIL, SCALE_ADMIN, UNVERIFIED } from "./support/users";

const root = fileURLToPath(new URL("..", import.meta.url));
const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const ORG_SLUG = "e2e";

/**
 * Starts the whole product on free ports, against a fresh database and Redis prefix:
 * the dev OpenID provider and a fixture upstream MCP server in this process, the console
 * (`next start` on a cached build), the gateway and the worker as child processes.
 * Returns the teardown, which stops everything and drops the database and the keys.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const started = Date.now();
  const log = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  const artifacts = artifactsDir();
  mkdirSync(artifacts, { recursive: true });
  rmSync(join(artifacts, "logs"), { recursive: true, force: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    const stopping = Date.now();
    for (const cleanup of cleanups.reverse()) await cleanup().catch((e) => log(`cleanup failed: ${e}`));
    log(`stack stopped in ${((Date.now() - stopping) / 1000).toFixed(1)}s`);
  };

  try {
    const buildPromise = buildConsoleIfChanged({ log });

    const database = await createTestDatabase({ name: "e2e" });
    cleanups.push(() => database.drop());
    const names = testRedisNames("e2e");
    cleanups.push(async () => {
      const redis = new Redis(REDIS_URL);
      await cleanupRedisPrefix(redis, names.prefix);
      redis.disconnect();
    });
    await seedDemoIdentities(database.db, { orgSlug: ORG_SLUG, users: E2E_USERS });

    const fixture = await startLegacyHttpServer({ tag: "e2e-fixture" });
    cleanups.push(() => fixture.close());

    const [consolePort, gatewayPort, oauthPort] = [await freePort(), await freePort(), await freePort()];
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // The console's authorization server for people's MCP clients; it signs them in with the
    // console's SSO client, so that client also lists the AS's callback.
    const oauthIssuer = `http://127.0.0.1:${oauthPort}`;
    const clientSecret = randomBytes(24).toString("base64url");
    const idp = await startDevIdp({
      // The demo people, plus one nobody has invited yet (the invitation test invites them)
      // and one whose email the provider does not verify.
      accounts: [
        ...DEMO_ACCOUNTS,
        { sub: "e2e-invitee", email: INVITEE.email, name: INVITEE.name, password: DEMO_PASSWORD },
        {
          sub: "e2e-unverified",
          email: UNVERIFIED.email,
          name: UNVERIFIED.name,
          password: DEMO_PASSWORD,
          emailVerified: false,
        },
        { sub: "e2e-scale-admin", email: SCALE_ADMIN.email, name: SCALE_ADMIN.name, password: DEMO_PASSWORD },
        { sub: "e2e-owner", email: OWNER_EMAIL, name: "Olive Owner", password: DEMO_PASSWORD },
      ],
      clients: [
        {
          clientId: "portcullis-console-e2e",
          clientSecret,
          name: "Portcullis console",
          redirectUris: [`${consoleUrl}/api/auth/callback/oidc`, `${oauthIssuer}/interaction/sso/callback`],
          postLogoutRedirectUris: [`${consoleUrl}/login`],
        },
      ],
    });
    cleanups.push(() => idp.close());

    const secretKey = randomBytes(32).toString("base64url");
    const logDir = join(artifacts, "logs");
    // The gateway replays whatever its spool holds at start: never share one between runs.
    const spoolDir = mkdtempSync(join(tmpdir(), "pc-e2e-spool-"));
    cleanups.push(async () => rmSync(spoolDir, { recursive: true, force: true }));
    const common = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: names.prefix,
      PORTCULLIS_SECRET_KEY: secretKey,
      LOG_LEVEL: "info",
      // The fixture upstream and webhooks listen on loopback; stdio fixtures run with node.
      PORTCULLIS_OUTBOUND_ALLOW: "127.0.0.1,::1,localhost",
      PORTCULLIS_STDIO_ALLOW: "node,npx",
    };
    // Node with tsx's loader, not the tsx CLI (whose signal relay SIGKILLs a slow child).
    const TS_LOADER = ["--import", "tsx"];
    const children: Child[] = [];
    cleanups.push(() => Promise.all(children.map((c) => c.stop())));

    children.push(
      startChild("worker", process.execPath, [...TS_LOADER, join(root, "apps/worker/src/main.ts")], {
        cwd: root,
        // Team webhook messages link to requests in this console.
        env: { ...common, PORTCULLIS_CONSOLE_URL: consoleUrl },
        logDir,
      }),
    );
    const gateway = startChild(
      "gateway",
      process.execPath,
      [...TS_LOADER, join(root, "apps/gateway/src/main.ts")],
      {
        cwd: root,
        env: {
          ...common,
          GATEWAY_HOST: "127.0.0.1",
          GATEWAY_PORT: String(gatewayPort),
          GATEWAY_SPOOL_DIR: spoolDir,
          GATEWAY_SHUTDOWN_GRACE_MS: "2000",
          GATEWAY_PUBLIC_URL: gatewayUrl,
          GATEWAY_OAUTH_ISSUER: oauthIssuer,
        },
        logDir,
      },
    );
    children.push(gateway);

    await buildPromise;
    const consoleDir = join(root, "apps", "console");
    const consoleApp = startChild(
      "console",
      join(consoleDir, "node_modules", ".bin", "next"),
      ["start", "--hostname", "127.0.0.1", "--port", String(consolePort)],
      {
        cwd: consoleDir,
        env: {
          ...common,
          NODE_ENV: "production",
          NEXT_TELEMETRY_DISABLED: "1",
          CONSOLE_DIST_DIR,
          NEXTAUTH_URL: consoleUrl,
          NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
          OIDC_ISSUER: idp.issuer,
          OIDC_CLIENT_ID: "portcullis-console-e2e",
          OIDC_CLIENT_SECRET: clientSecret,
          OIDC_PROVIDER_NAME: "Portcullis dev SSO",
          GATEWAY_PUBLIC_URL: gatewayUrl,
          OAUTH_ISSUER: oauthIssuer,
        },
        logDir,
      },
    );
    children.push(consoleApp);

    await Promise.all([
      waitForHttp(`http://127.0.0.1:${gatewayPort}/healthz`, "the gateway", gateway),
      waitForHttp(`${consoleUrl}/login`, "the console", consoleApp),
      waitForHttp(
        `${oauthIssuer}/.well-known/oauth-authorization-server`,
        "the authorization server",
        consoleApp,
      ),
    ]);

    exportStack({
      consoleUrl,
      gatewayMcpUrl: `http://127.0.0.1:${gatewayPort}/mcp`,
      fixtureUrl: fixture.url,
      idpUrl: idp.issuer,
      databaseUrl: database.url,
      redisPrefix: names.prefix,
      orgSlug: ORG_SLUG,
    });
    log(
      `stack ready in ${Math.round((Date.now() - started) / 1000)}s: console ${consoleUrl}, gateway :${gatewayPort}`,
    );
    return teardown;
  } catch (error) {
    await teardown();
    throw error;
  }
}
