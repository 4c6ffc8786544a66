import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, type Page, test } from "@playwright/test";
import { signIn } from "../support/login";
import { DEMO_PASSWORD } from "../support/users";

// Issue #10 point 7: the console's security headers, seen by a real browser. Scripts run
// only with the response's nonce, injected markup runs nothing, no page can be framed
// (clickjacking an "Approve" button), and sign-in never sends anyone to another origin.

const consoleUrl = () => new URL(process.env.E2E_CONSOLE_URL ?? "http://127.0.0.1:3000");

/** Collects the page's CSP violation reports from before its first script runs. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __cspViolations: string[] }).__cspViolations = seen;
    document.addEventListener("securitypolicyviolation", (event) => {
      seen.push(event.effectiveDirective);
    });
  });
}

const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

function nonceOf(csp: string | undefined): string {
  const nonce = /'nonce-([^']+)'/.exec(csp ?? "")?.[1];
  expect(nonce, `a nonce in ${csp}`).toBeTruthy();
  return nonce ?? "";
}

test("console pages carry a nonce CSP and anti-framing headers; injected markup runs nothing", async ({
  page,
}) => {
  await recordViolations(page);
  await signIn(page, "admin@example.com", "/approvals");

  const response = await page.goto("/approvals");
  await expect(page.getByRole("heading", { name: "Approvals" })).toBeVisible();
  const headers = response?.headers() ?? {};
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("'strict-dynamic'");
  expect(csp).not.toContain("'unsafe-inline' 'nonce");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("object-src 'none'");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  // Plain http here: no HSTS (it is for consoles served over https, checked below).
  expect(headers["strict-transport-security"]).toBeUndefined();

  // Next.js stamped this response's nonce on its scripts, and they all ran.
  const nonce = nonceOf(csp);
  const scriptNonces = await page.evaluate(() => [...document.scripts].map((s) => s.nonce));
  expect(scriptNonces.length).toBeGreaterThan(0);
  expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
  expect(await violations(page)).toEqual([]);

  // A fresh nonce per response.
  const again = await page.request.get("/approvals");
  expect(nonceOf(again.headers()["content-security-policy"])).not.toBe(nonce);

  // What an injection through some HTML sink would try: an inline event handler.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML(
      "beforeend",
      `<img alt="" src="/not-there.png" onerror="window.__pwned = true">`,
    );
  });
  await expect.poll(() => violations(page)).toContain("script-src-attr");
  expect(await page.evaluate(() => (window as unknown as { __pwned?: boolean }).__pwned)).toBeUndefined();

  // Static files get the fixed headers too (they do not pass through the proxy).
  const scriptSrc = await page.evaluate(() => document.querySelector<HTMLScriptElement>("script[src]")?.src);
  expect(scriptSrc).toContain("/_next/static/");
  const asset = await page.request.get(scriptSrc ?? "");
  expect(asset.headers()["x-content-type-options"]).toBe("nosniff");
  expect(asset.headers()["x-frame-options"]).toBe("DENY");

  // Behind a TLS-terminating proxy, browsers are told to stay on https.
  const overHttps = await page.request.get("/login", { headers: { "x-forwarded-proto": "https" } });
  expect(overHttps.headers()["strict-transport-security"]).toBe("max-age=63072000; includeSubDomains");
  expect(overHttps.headers()["content-security-policy"]).toContain("upgrade-insecure-requests");
});

test("the approvals page cannot be framed, even by a same-site page of a signed-in approver", async ({
  page,
}) => {
  await signIn(page, "approver@example.com", "/approvals");
  const target = new URL("/approvals", consoleUrl()).toString();
  // A page on another port of the same host is the same site: the session cookie
  // (SameSite=Lax) goes along, so without the headers the frame would show the live queue
  // with its buttons. Served for real: Chromium refuses local frames in a page it cannot
  // place on the local network.
  const framer = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>framer</title><iframe title="console" src="${target}"></iframe>`);
  });
  await new Promise<void>((resolve) => framer.listen(0, "127.0.0.1", resolve));
  const framerUrl = `http://127.0.0.1:${(framer.address() as AddressInfo).port}/framer.html`;

  const framed = page.waitForResponse((r) => r.url() === target);
  await page.goto(framerUrl);
  const response = await framed;
  expect(response.status()).toBe(200);
  expect(response.headers()["content-security-policy"]).toContain("frame-ancestors 'none'");

  // Chromium refuses to show it: the frame holds its error page, not the console.
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(frame).toBeDefined();
  await expect.poll(() => frame?.url()).not.toBe(target);
  await expect(page.frameLocator("iframe").getByRole("heading", { name: "Approvals" })).toHaveCount(0);
  await new Promise((resolve) => framer.close(resolve));
});

for (const callbackUrl of ["/\\evil.example", "//evil.example", "https://evil.example/login"]) {
  test(`a signed-in login page refuses callbackUrl ${callbackUrl}`, async ({ page }) => {
    await signIn(page, "member@example.com");
    await page.goto(`/login?callbackUrl=${encodeURIComponent(callbackUrl)}`);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
    expect(new URL(page.url()).origin).toBe(consoleUrl().origin);
  });
}

test("signing in from a login link with a foreign callbackUrl lands on the console", async ({ page }) => {
  await page.goto(`/login?callbackUrl=${encodeURIComponent("https://evil.example/phish")}`);
  await page.getByRole("button", { name: "Sign in with Portcullis dev SSO" }).click();
  await page.getByLabel("Email").fill("member@example.com");
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  expect(new URL(page.url()).origin).toBe(consoleUrl().origin);
});
