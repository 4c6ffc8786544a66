/**
 * The minimal upstream as a process of its own (bench/hot-path.ts starts it):
 *   PORT=3999 [REVISION=2026-07-28] node --import tsx bench/minimal-upstream-server.ts
 */
import { type MinimalRevision, startMinimalUpstream } from "./lib/minimal-upstream";

await startMinimalUpstream(
  Number(process.env.PORT ?? 0),
  (process.env.REVISION ?? "2025-11-25") as MinimalRevision,
);
