import type { OAuthClientProvider } from "@modelcontextprotocol/client";
import { CookieJar } from "@portcullis/testkit/dev-idp/testing/cookie-jar";

type Provider = OAuthClientProvider;
type ClientInfo = Awaited<ReturnType<Provider["clientInformation"]>>;
type Tokens = Awaited<ReturnType<Provider["tokens"]>>;

/**
 * An MCP client's side of OAuth, in memory: what Claude Code or Cursor keep on disk. The
 * authorization URL the SDK wants opened is kept for the test to drive (a browser or HTTP).
 */
export class MemoryOAuthClient implements Provider {
  authorizationUrl: URL | null = null;
  info: ClientInfo;
  stored: Tokens;
  private verifier = "";

  constructor(
    readonly redirect: string,
    readonly name: string,
    options: { clientMetadataUrl?: string; preregistered?: { client_id: string } } = {},
  ) {
    if (options.clientMetadataUrl) this.clientMetadataUrl = options.clientMetadataUrl;
    this.info = options.preregistered;
  }

  clientMetadataUrl?: string;

  get redirectUrl() {
    return this.redirect;
  }
  get clientMetadata() {
    return {
      client_name: this.name,
      redirect_uris: [this.redirect],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: NonNullable<ClientInfo>) {
    this.info = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: NonNullable<Tokens>) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/**
 * Walks the authorization like a browser, without one: the AS sends the person to the SSO's
 * password form, back through the AS, to the consent page (allowed), and on to the client's
 * redirect URI, which is returned (with `code`, `state` and `iss`).
 */
export async function authorizeOverHttp(input: {
  authorizationUrl: string;
  redirectUri: string;
  email: string;
  password: string;
  jar?: CookieJar;
}): Promise<{ callbackUrl: string; jar: CookieJar }> {
  const jar = input.jar ?? new CookieJar();
  const atRedirect = (next: string) => next.startsWith(input.redirectUri);
  let page = await jar.follow(input.authorizationUrl, {}, atRedirect);
  for (let step = 0; step < 4 && !atRedirect(page.url); step++) {
    const html = await page.res.text();
    if (page.res.status !== 200) throw new Error(`${page.res.status} at ${page.url}: ${html.slice(0, 300)}`);
    const action = /action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form at ${page.url}: ${html.slice(0, 300)}`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
    const body = csrf
      ? new URLSearchParams({ csrf, decision: "allow" })
      : new URLSearchParams({ email: input.email, password: input.password });
    page = await jar.follow(
      new URL(action, page.url).toString(),
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: body.toString(),
      },
      atRedirect,
    );
  }
  if (!atRedirect(page.url))
    throw new Error(
      `authorization did not return to the client (${page.res.status} at ${page.url}: ${(await page.res.text()).slice(0, 400)})`,
    );
  return { callbackUrl: page.url, jar };
}

/**
 * Opens the authorization URL in Chromium, as an MCP client opens the person's browser: the
 * person types their password at the SSO and presses Allow on the consent page; resolves with
 * the URL the browser was sent back to (the client's loopback redirect).
 */
export async function authorizeInChromium(input: {
  authorizationUrl: string;
  redirectUri: string;
  email: string;
  password: string;
}): Promise<{ callbackUrl: string; consentText: string }> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.E2E_CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(input.authorizationUrl);
    await page.getByLabel(/email/i).fill(input.email);
    await page.getByLabel(/password/i).fill(input.password);
    await page.getByRole("button", { name: /sign in/i }).click();
    await page.getByRole("button", { name: "Allow" }).waitFor();
    const consentText = (await page.locator("body").textContent()) ?? "";
    const back = page.waitForURL((url) => url.toString().startsWith(input.redirectUri));
    await page.getByRole("button", { name: "Allow" }).click();
    await back;
    return { callbackUrl: page.url(), consentText };
  } finally {
    await browser.close();
  }
}
