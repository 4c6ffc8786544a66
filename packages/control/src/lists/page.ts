/**
 * One page of a console list, sorted and filtered by the database. Offset pages: the
 * lists they serve (servers, agents, members) hold thousands of rows, not millions, and an
 * admin jumps to "page 7 sorted by team", which keyset cursors cannot do. The million-row
 * lists (audit events, approvals) keep their keyset cursors.
 */
export interface PageRequest<Sort extends string> {
  /** Case-insensitive substring of the list's searchable fields. */
  search?: string;
  sort?: Sort;
  order?: "asc" | "desc";
  /** Rows to skip, 0 by default. */
  offset?: number;
  /** 1…200, 50 by default. */
  limit?: number;
}

export interface Page<Item> {
  items: Item[];
  /** Rows matching the filters, over all pages. */
  total: number;
}

export const DEFAULT_PAGE_SIZE = 50;

/** `skip`/`take` for Prisma, clamped so a hand-made request cannot ask for everything. */
export function pageWindow(request: { offset?: number; limit?: number }): { skip: number; take: number } {
  const take = Math.min(Math.max(request.limit ?? DEFAULT_PAGE_SIZE, 1), 200);
  return { skip: Math.max(request.offset ?? 0, 0), take };
}

/** The trimmed search text, or undefined when there is nothing to search for. */
export function searchText(request: { search?: string }): string | undefined {
  const text = request.search?.trim();
  return text ? text : undefined;
}
