const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** Every AS page: no framing (clickjacking a consent), no caching, no scripts. */
export const PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  "referrer-policy": "no-referrer",
} as const;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#111}
dt{font-weight:600;margin-top:.6rem}dd{margin:0;word-break:break-all}button{font-size:1rem;padding:.5rem 1rem;margin-right:.5rem}</style>
</head><body>${body}</body></html>`;
}

export interface ConsentView {
  uid: string;
  csrf: string;
  clientName: string;
  clientId: string;
  redirectUri: string;
  resources: string[];
  scopes: string[];
  personEmail: string;
}

export function renderConsentPage(v: ConsentView): string {
  const list = (items: string[]) => items.map((i) => `<dd>${escapeHtml(i)}</dd>`).join("");
  return page(
    `Allow ${v.clientName}?`,
    `<h1>Allow ${escapeHtml(v.clientName)} to use Portcullis as you?</h1>
<p>Signed in as <strong>${escapeHtml(v.personEmail)}</strong>. The client gets the tools your teams are granted, and every call is recorded in your name.</p>
<dl><dt>Client</dt><dd>${escapeHtml(v.clientName)}</dd><dd><small>${escapeHtml(v.clientId)}</small></dd>
<dt>Returns you to</dt><dd>${escapeHtml(v.redirectUri)}</dd>
<dt>Reaches</dt>${list(v.resources)}
<dt>Scopes</dt>${list(v.scopes)}</dl>
<form method="post" action="/interaction/${escapeHtml(v.uid)}/consent">
<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

export function renderRefusalPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
