import { type NextRequest, NextResponse } from "next/server";
import {
  INVITATION_COOKIE,
  INVITATION_COOKIE_MAX_AGE,
  INVITATION_COOKIE_PATH,
  isInvitationToken,
} from "./lib/invitation-cookie";
import { PATH_HEADER } from "./lib/path-header";
import { contentSecurityPolicy, HSTS_VALUE, newNonce, STATIC_SECURITY_HEADERS } from "./lib/security-headers";

// Cheap first gate: no session cookie at all means "go and sign in", with the page to
// come back to. The (console) layout does the real check (valid session, still a member).
const PUBLIC = ["/login", "/logout", "/api/auth", "/api/trpc", "/_next", "/favicon.ico"];
const SESSION_COOKIES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  const https = servedOverHttps(request);
  const csp = contentSecurityPolicy(newNonce(), { https, dev: process.env.NODE_ENV === "development" });
  // Next.js reads the nonce from the request's CSP header and puts it on its own scripts.
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", csp);

  let response: NextResponse;
  if (PUBLIC.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    response = NextResponse.next({ request: { headers } });
  } else if (SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    headers.set(PATH_HEADER, `${pathname}${search}`);
    response = NextResponse.next({ request: { headers } });
  } else {
    const login = new URL("/login", request.url);
    login.searchParams.set("callbackUrl", `${pathname}${search}`);
    response = NextResponse.redirect(login);
  }

  response.headers.set("Content-Security-Policy", csp);
  for (const { key, value } of STATIC_SECURITY_HEADERS) response.headers.set(key, value);
  if (https) response.headers.set("Strict-Transport-Security", HSTS_VALUE);

  const invitation = request.nextUrl.searchParams.get("invite");
  if (pathname === "/login" && isInvitationToken(invitation)) {
    response.cookies.set(INVITATION_COOKIE, invitation, {
      httpOnly: true,
      sameSite: "lax",
      secure: https,
      path: INVITATION_COOKIE_PATH,
      maxAge: INVITATION_COOKIE_MAX_AGE,
    });
  }
  return response;
}

/**
 * Behind a TLS-terminating proxy the request reaches us over http with X-Forwarded-Proto.
 * A client could forge that header on a plain-http console, but HSTS received over http is
 * ignored by browsers, so a forged one changes nothing.
 */
function servedOverHttps(request: NextRequest): boolean {
  if (request.nextUrl.protocol === "https:") return true;
  return request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
