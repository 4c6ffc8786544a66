/**
 * The smallest cookie jar that lets `fetch` walk a login flow: remembers name=value per
 * origin and sends them all back (paths and expiry are ignored; flows here are short).
 */
export class CookieJar {
  private readonly byOrigin = new Map<string, Map<string, string>>();

  store(url: string, res: Response): void {
    const origin = new URL(url).origin;
    const jar = this.byOrigin.get(origin) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === "" || /expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    this.byOrigin.set(origin, jar);
  }

  header(url: string): string {
    const jar = this.byOrigin.get(new URL(url).origin);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join("; ") : "";
  }

  /** fetch with this jar and no automatic redirects. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header(url);
    if (cookie) headers.set("cookie", cookie);
    const res = await fetch(url, { ...init, headers, redirect: "manual" });
    this.store(url, res);
    return res;
  }

  /**
   * Follows redirects (as a browser would, GET after 302/303) until a response that is not
   * a redirect, or until `stop(url)` says the next hop is where the caller wants to stop.
   */
  async follow(
    url: string,
    init: RequestInit = {},
    stop: (next: string) => boolean = () => false,
  ): Promise<{ res: Response; url: string }> {
    let current = url;
    let res = await this.fetch(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { res, url: current };
      const next = new URL(location, current).toString();
      if (stop(next)) return { res, url: next };
      await res.body?.cancel();
      current = next;
      res = await this.fetch(current);
    }
    throw new Error(`too many redirects from ${url}`);
  }
}
