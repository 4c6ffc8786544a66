"use client";

import { useState } from "react";
import { useDebounced } from "../servers/use-debounced";

export const PAGE_SIZE = 50;

/**
 * The state of a server-side list (search, sort, page) and the input its `page` procedure
 * takes. Changing the search or the sort goes back to the first page.
 */
export function usePagedList<Sort extends string>(
  defaultSort: Sort,
  defaultOrder: "asc" | "desc" = "asc",
  /** The search a link opened the page with (the palette opens a person's row by email). */
  initialSearch = "",
) {
  const [search, setSearchText] = useState(initialSearch);
  const [sort, setSortKey] = useState<Sort>(defaultSort);
  const [order, setOrder] = useState<"asc" | "desc">(defaultOrder);
  const [offset, setOffset] = useState(0);
  const debounced = useDebounced(search.trim());
  return {
    search,
    setSearch: (text: string) => {
      setSearchText(text);
      setOffset(0);
    },
    sort,
    order,
    /** A click on a column's header: sorts by it, or flips the direction if it already does. */
    toggleSort: (key: Sort) => {
      if (key === sort) setOrder((o) => (o === "asc" ? "desc" : "asc"));
      else {
        setSortKey(key);
        setOrder("asc");
      }
      setOffset(0);
    },
    offset,
    setOffset,
    resetPage: () => setOffset(0),
    input: { search: debounced || undefined, sort, order, offset, limit: PAGE_SIZE },
  };
}
