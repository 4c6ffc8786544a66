const BASE = "http://portcullis.invalid";

/**
 * Characters URL parsers drop or reinterpret: "/\evil.com" and "/\t/evil.com" both become
 * "//evil.com" in a browser, which is another origin. Backslashes, whitespace and control
 * characters have no place in a path we link to ourselves.
 */
function hasUnsafeCharacter(value: string): boolean {
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (char === "\\" || code <= 0x20 || code === 0x7f || /\s/u.test(char)) return true;
  }
  return false;
}

/**
 * The callbackUrl to return to after sign-in, if it is a path on this console; "/" for
 * anything else (`//evil.com`, `/\evil.com`, `https://evil.com`, `javascript:`…). An open
 * redirect after a real sign-in page would lend our name to a phishing site.
 */
export function safeCallbackPath(value: string | null | undefined): string {
  if (!value?.startsWith("/") || value.startsWith("//") || hasUnsafeCharacter(value)) return "/";
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * next-auth's `redirect` callback: where to go after sign-in or sign-out. An absolute URL is
 * kept only on the console's own origin; everything goes through safeCallbackPath.
 */
export function safeRedirectUrl(url: string, baseUrl: string): string {
  const base = new URL(baseUrl);
  let path = url;
  if (/^[a-z][a-z\d+.-]*:/i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return base.toString();
    }
    if (parsed.origin !== base.origin) return base.toString();
    path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  }
  return new URL(safeCallbackPath(path), base).toString();
}
