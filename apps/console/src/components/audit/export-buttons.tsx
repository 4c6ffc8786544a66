"use client";

import { type AuditFilterInput, auditFilterToSearchParams } from "@portcullis/api/routers/audit/filter-input";
import { buttonClasses } from "../ui/button";

/**
 * Downloads of the current filter's events. Plain links to the export route: the browser
 * streams the file to disk, whatever its size, and the route checks the session itself.
 */
export function ExportButtons({ filter }: { filter: AuditFilterInput }) {
  const href = (format: "csv" | "jsonl") => {
    const params = auditFilterToSearchParams(filter);
    params.set("format", format);
    return `/api/audit/export?${params}`;
  };
  return (
    <>
      <a className={buttonClasses("secondary")} href={href("csv")} download>
        Export CSV
      </a>
      <a className={buttonClasses("secondary")} href={href("jsonl")} download>
        Export JSON Lines
      </a>
    </>
  );
}
