import { type NextRequest, NextResponse } from "next/server";
import { PATH_HEADER } from "./lib/path-header";

// Cheap first gate: no session cookie at all means "go and sign in", with the page to
// come back to. The (console) layout does the real check (valid session, still a member).
const PUBLIC = ["/login", "/logout", "/api/auth", "/api/trpc", "/_next", "/favicon.ico"];
const SESSION_COOKIES = ["next-auth.session-token", "__Secure-next-auth.session-token"];

export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (PUBLIC.some((p) => pathname === p || pathname.startsWith(`${p}/`))) return NextResponse.next();
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) {
    const headers = new Headers(request.headers);
    headers.set(PATH_HEADER, `${pathname}${search}`);
    return NextResponse.next({ request: { headers } });
  }
  const login = new URL("/login", request.url);
  login.searchParams.set("callbackUrl", `${pathname}${search}`);
  return NextResponse.redirect(login);
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
