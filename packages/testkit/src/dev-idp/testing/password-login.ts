import { CookieJar } from "./cookie-jar";

export interface PasswordLoginResult {
  /** The URL the provider sent the browser back to (the relying party's redirect URI with code and state). */
  callbackUrl: string;
  jar: CookieJar;
}

/**
 * Walks the provider's login like a browser would, without one: opens `authorizeUrl`
 * (already built by the relying party), posts the password form, and follows redirects
 * until the provider sends the browser to `redirectUri`. Throws with the page's error text
 * when the form rejects the credentials.
 */
export async function passwordLogin(input: {
  authorizeUrl: string;
  redirectUri: string;
  email: string;
  password: string;
  jar?: CookieJar;
}): Promise<PasswordLoginResult> {
  const jar = input.jar ?? new CookieJar();
  const atRedirect = (next: string) => next.startsWith(input.redirectUri);
  const form = await jar.follow(input.authorizeUrl, {}, atRedirect);
  if (atRedirect(form.url)) return { callbackUrl: form.url, jar };
  const html = await form.res.text();
  const action = /action="([^"]+)"/.exec(html)?.[1];
  if (form.res.status !== 200 || !action) {
    throw new Error(`expected the login form at ${form.url}, got ${form.res.status}: ${html.slice(0, 200)}`);
  }
  const posted = await jar.follow(
    new URL(action, form.url).toString(),
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: input.email, password: input.password }).toString(),
    },
    atRedirect,
  );
  if (!atRedirect(posted.url)) {
    const text = await posted.res.text();
    const alert = /role="alert"[^>]*>([^<]*)</.exec(text)?.[1];
    throw new Error(
      alert ?? `login did not return to ${input.redirectUri} (${posted.res.status} at ${posted.url})`,
    );
  }
  return { callbackUrl: posted.url, jar };
}
