import { DEMO_ACCOUNTS, DEMO_PASSWORD } from "@portcullis/testkit/dev-idp/accounts";
import { startDevIdp } from "@portcullis/testkit/dev-idp/start-dev-idp";
import { loadEnv } from "./env";

// Development OpenID provider for `npm run demo`: never deploy it, its users are public.
const env = loadEnv();
const consoleUrl = env.NEXTAUTH_URL.replace(/\/$/, "");

const idp = await startDevIdp({
  host: env.DEV_IDP_HOST,
  port: env.DEV_IDP_PORT,
  issuer: env.DEV_IDP_ISSUER,
  clients: [
    {
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      name: "Portcullis console",
      // The console's sign-in, and its OAuth authorization server's (people signing in from MCP clients).
      redirectUris: env.DEV_IDP_REDIRECT_URIS ?? [
        `${consoleUrl}/api/auth/callback/oidc`,
        `${env.OAUTH_ISSUER.replace(/\/$/, "")}/interaction/sso/callback`,
      ],
      postLogoutRedirectUris: env.DEV_IDP_POST_LOGOUT_REDIRECT_URIS ?? [`${consoleUrl}/login`],
    },
  ],
});

process.stdout.write(
  `dev OpenID provider at ${idp.issuer} (users: ${DEMO_ACCOUNTS.map((a) => a.email).join(", ")}; password ${DEMO_PASSWORD})\n`,
);

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    idp.close().then(() => process.exit(0));
  });
}
