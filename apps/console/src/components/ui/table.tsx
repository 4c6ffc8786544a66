"use client";

import { type ReactNode, useCallback, useState } from "react";
import { Button } from "./button";
import { cn } from "./cn";
import { EmptyState } from "./empty-state";
import { SkeletonRows } from "./spinner";

export function Table({
  children,
  label,
  className,
}: {
  children: ReactNode;
  label?: string;
  className?: string;
}) {
  return (
    <div className={cn("overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm", className)}>
      <table aria-label={label} className="min-w-full divide-y divide-slate-200 text-sm">
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return <thead className="bg-slate-50">{children}</thead>;
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-slate-100">{children}</tbody>;
}

export function Tr({ children, className }: { children: ReactNode; className?: string }) {
  return <tr className={cn("hover:bg-slate-50/60", className)}>{children}</tr>;
}

export function Th({
  children,
  className,
  sort,
}: {
  children?: ReactNode;
  className?: string;
  /** Set on a sortable column: its direction when the list is sorted by it. */
  sort?: "ascending" | "descending" | "none";
}) {
  return (
    <th
      scope="col"
      aria-sort={sort}
      className={cn(
        "px-4 py-2.5 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase",
        className,
      )}
    >
      {children}
    </th>
  );
}

export function Td({ children, className }: { children?: ReactNode; className?: string }) {
  return <td className={cn("px-4 py-2.5 align-middle text-slate-800", className)}>{children}</td>;
}

export interface Column<Row> {
  /** Column header. */
  header: ReactNode;
  cell: (row: Row) => ReactNode;
  className?: string;
  /** The list's sort key for this column: its header becomes a button that sorts by it. */
  sortKey?: string;
}

export interface SortState {
  key: string;
  order: "asc" | "desc";
  onSort: (key: string) => void;
}

export interface DataTableProps<Row> {
  label: string;
  columns: Column<Row>[];
  rows: Row[] | undefined;
  rowKey: (row: Row) => string;
  loading?: boolean;
  /** Shown instead of the table when `rows` is empty. */
  empty?: ReactNode;
  pagination?: PaginationProps;
  /** Sorting done by the server: headers of columns with a `sortKey` sort by it. */
  sort?: SortState;
}

/**
 * A table with the three states every list has: loading (skeleton rows), empty (an
 * EmptyState saying what to do) and rows, plus optional cursor pagination.
 */
export function DataTable<Row>({
  label,
  columns,
  rows,
  rowKey,
  loading,
  empty,
  pagination,
  sort,
}: DataTableProps<Row>) {
  if (loading || rows === undefined) return <SkeletonRows label={`Loading ${label.toLowerCase()}…`} />;
  if (rows.length === 0 && !pagination?.hasPrevious) {
    return <>{empty ?? <EmptyState title={`No ${label.toLowerCase()} yet`} />}</>;
  }
  return (
    <div className="space-y-3">
      <Table label={label}>
        <THead>
          <tr>
            {columns.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
              <Th key={i} className={c.className} sort={sortOf(c, sort)}>
                {sort && c.sortKey ? (
                  <button
                    type="button"
                    className="inline-flex items-center gap-1 uppercase hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-600"
                    onClick={() => sort.onSort(c.sortKey!)}
                  >
                    {c.header}
                    <span aria-hidden="true">
                      {sort.key === c.sortKey ? (sort.order === "asc" ? "▲" : "▼") : "↕"}
                    </span>
                  </button>
                ) : (
                  c.header
                )}
              </Th>
            ))}
          </tr>
        </THead>
        <TBody>
          {rows.map((row) => (
            <Tr key={rowKey(row)}>
              {columns.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: columns are static per table
                <Td key={i} className={c.className}>
                  {c.cell(row)}
                </Td>
              ))}
            </Tr>
          ))}
        </TBody>
      </Table>
      {pagination && <Pagination {...pagination} />}
    </div>
  );
}

function sortOf<Row>(
  column: Column<Row>,
  sort: SortState | undefined,
): "ascending" | "descending" | "none" | undefined {
  if (!sort || !column.sortKey) return undefined;
  if (sort.key !== column.sortKey) return "none";
  return sort.order === "asc" ? "ascending" : "descending";
}

export interface PaginationProps {
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
  /** 1-based page number, shown between the buttons. */
  page?: number;
  /** Instead of the page number: "51–100 of 5,000". */
  range?: string;
  loading?: boolean;
}

export function Pagination({
  hasPrevious,
  hasNext,
  onPrevious,
  onNext,
  page,
  range,
  loading,
}: PaginationProps) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav aria-label="Pagination" className="flex items-center justify-end gap-3 text-sm text-slate-600">
      {range !== undefined ? <span>{range}</span> : page !== undefined && <span>Page {page}</span>}
      <Button variant="secondary" size="sm" onClick={onPrevious} disabled={!hasPrevious || loading}>
        Previous
      </Button>
      <Button variant="secondary" size="sm" onClick={onNext} disabled={!hasNext || loading}>
        Next
      </Button>
    </nav>
  );
}

/**
 * Cursor pagination state for `{ items, nextCursor }` queries: pass `cursor` to the query,
 * and `paginationProps(nextCursor)` to the table. Call `reset()` when filters change.
 */
export function useCursorPagination<Cursor = string>() {
  const [stack, setStack] = useState<Array<Cursor | undefined>>([undefined]);
  const cursor = stack[stack.length - 1];
  const reset = useCallback(() => setStack([undefined]), []);
  const paginationProps = (nextCursor: Cursor | null | undefined, loading?: boolean): PaginationProps => ({
    hasPrevious: stack.length > 1,
    hasNext: nextCursor !== null && nextCursor !== undefined,
    page: stack.length,
    loading,
    onPrevious: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    onNext: () => {
      if (nextCursor !== null && nextCursor !== undefined) setStack((s) => [...s, nextCursor]);
    },
  });
  return { cursor, reset, paginationProps };
}

/** Pagination props for an offset page of `total` rows (`usePagedList`). */
export function offsetPagination(
  list: { offset: number; setOffset: (offset: number) => void },
  total: number | undefined,
  pageSize: number,
  loading?: boolean,
): PaginationProps {
  const shown = total ?? 0;
  const last = Math.min(list.offset + pageSize, shown);
  return {
    hasPrevious: list.offset > 0,
    hasNext: last < shown,
    range: `${shown === 0 ? 0 : (list.offset + 1).toLocaleString("en")}–${last.toLocaleString("en")} of ${shown.toLocaleString("en")}`,
    loading,
    onPrevious: () => list.setOffset(Math.max(0, list.offset - pageSize)),
    onNext: () => list.setOffset(list.offset + pageSize),
  };
}
