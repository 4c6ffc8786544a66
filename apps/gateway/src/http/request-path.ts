/**
 * A request URL's path and query, as `url.split("?")[0]` and `[1]` give them, without the
 * array and the copies: every request asks for its path a few times (route, portal,
 * authentication), and most carry no query.
 */
export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? url : url.slice(0, q);
}

/** The text between the first `?` and the next one (undefined: no `?`). */
export function queryOf(url: string): string | undefined {
  const q = url.indexOf("?");
  if (q === -1) return undefined;
  const end = url.indexOf("?", q + 1);
  return end === -1 ? url.slice(q + 1) : url.slice(q + 1, end);
}
