/** Escapes text for HTML element content and double-quoted attributes. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The provider's sign-in form: plain server-rendered HTML with labelled fields, so it works
 * without JavaScript and a browser test can fill it by label.
 */
export function renderLoginPage(input: {
  uid: string;
  clientName: string;
  email?: string;
  error?: string;
  demoEmails: readonly string[];
}): string {
  const error = input.error
    ? `<p id="login-error" role="alert" class="error">${escapeHtml(input.error)}</p>`
    : "";
  const demo = input.demoEmails.map((e) => `<code>${escapeHtml(e)}</code>`).join(", ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — Portcullis dev identity provider</title>
<style>
  body { font-family: system-ui, sans-serif; background: #f1f5f9; color: #0f172a; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  main { background: #fff; padding: 2rem; border-radius: 0.75rem; box-shadow: 0 1px 3px rgb(0 0 0 / 0.1); width: min(24rem, 90vw); }
  h1 { font-size: 1.25rem; margin: 0 0 0.25rem; }
  p.sub { color: #475569; margin: 0 0 1.5rem; font-size: 0.9rem; }
  label { display: block; font-weight: 600; font-size: 0.875rem; margin: 1rem 0 0.25rem; }
  input { width: 100%; box-sizing: border-box; padding: 0.5rem 0.75rem; border: 1px solid #cbd5e1; border-radius: 0.375rem; font-size: 1rem; }
  input:focus { outline: 2px solid #4f46e5; outline-offset: 1px; }
  button { margin-top: 1.5rem; width: 100%; padding: 0.6rem; background: #4f46e5; color: #fff; border: 0; border-radius: 0.375rem; font-size: 1rem; font-weight: 600; cursor: pointer; }
  button:focus-visible { outline: 2px solid #1e1b4b; outline-offset: 2px; }
  .error { color: #b91c1c; background: #fef2f2; padding: 0.5rem 0.75rem; border-radius: 0.375rem; font-size: 0.875rem; }
  .hint { color: #64748b; font-size: 0.8rem; margin-top: 1.25rem; }
</style>
</head>
<body>
<main>
  <h1>Sign in</h1>
  <p class="sub">to continue to ${escapeHtml(input.clientName)}</p>
  ${error}
  <form method="post" action="/interaction/${escapeHtml(input.uid)}/login" autocomplete="on">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" required autofocus value="${escapeHtml(input.email ?? "")}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" required>
    <button type="submit">Sign in</button>
  </form>
  <p class="hint">Development provider. Demo accounts: ${demo}; password <code>portcullis-demo</code>.</p>
</main>
</body>
</html>`;
}

/** The provider's error page (bad client, bad redirect URI, expired interaction…). */
export function renderErrorPage(error: string, description: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in error</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; color: #0f172a">
  <h1 style="font-size: 1.25rem">Sign-in error</h1>
  <p role="alert"><strong>${escapeHtml(error)}</strong>: ${escapeHtml(description)}</p>
  <p>Go back to the application and start the sign-in again.</p>
</body>
</html>`;
}
