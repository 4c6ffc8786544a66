/**
 * The console's browser-facing security headers, in one place: the proxy sets them on every
 * page and API response (with a fresh CSP nonce per request), next.config on static files.
 */

/** Headers that never vary by request. */
export const STATIC_SECURITY_HEADERS: ReadonlyArray<{ key: string; value: string }> = [
  // The console is never framed: clickjacking an "Approve" button is the attack. CSP's
  // frame-ancestors says the same for browsers that read it; this is for those that do not.
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // Console URLs name requests, agents and invitation tokens: send only the origin away.
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

/** Two years, the preload list's minimum; sent only over https (browsers ignore it on http). */
export const HSTS_VALUE = "max-age=63072000; includeSubDomains";

/** A fresh, unguessable nonce for one response's scripts. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

/**
 * The Content-Security-Policy for one page. Scripts run only with this response's nonce
 * (Next.js puts it on its own scripts when it finds it in the request's CSP header), and
 * what they load inherits the trust ('strict-dynamic'); inline handlers and injected
 * scripts do not run. Styles allow inline attributes: React sets `style` for bar widths,
 * and CSS cannot run code. Development adds 'unsafe-eval' for Next's fast refresh.
 */
export function contentSecurityPolicy(nonce: string, options: { https: boolean; dev: boolean }): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    // Sign-in posts to /api/auth, which redirects to the identity provider: a navigation,
    // not a form target elsewhere, so 'self' is enough.
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(options.https ? ["upgrade-insecure-requests"] : []),
  ];
  return directives.join("; ");
}
