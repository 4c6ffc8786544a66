import { CookieJar } from "@portcullis/testkit/dev-idp/testing/cookie-jar";

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
