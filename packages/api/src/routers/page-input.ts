import { z } from "zod";

/**
 * The input of a paged list (`PageRequest` in control): search, one of the list's sort
 * keys, direction, offset and page size. Filters are added by each list with `.extend`.
 */
export function pageInput<const Sort extends readonly [string, ...string[]]>(sorts: Sort) {
  return z.object({
    search: z.string().max(200).optional(),
    sort: z.enum(sorts).optional(),
    order: z.enum(["asc", "desc"]).optional(),
    offset: z.number().int().min(0).max(1_000_000).optional(),
    limit: z.number().int().min(1).max(200).optional(),
  });
}

/** A page of `item`s and how many match the filters in all. */
export function pageOutput<Item extends z.ZodType>(item: Item) {
  return z.object({ items: z.array(item), total: z.number().int() });
}
