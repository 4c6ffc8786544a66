import type { AppRouter } from "@portcullis/api/root";
import type { inferRouterOutputs } from "@trpc/server";

export type ConnectionTest = inferRouterOutputs<AppRouter>["servers"]["testConnection"];

/** What "Test connection" found: reachable (latency, protocol, tools) or why not. */
export function ConnectionTestResult({ result }: { result: ConnectionTest }) {
  if (!result.ok) {
    return (
      <div
        role="status"
        className="rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-900"
      >
        <p className="font-semibold">Connection failed</p>
        <p className="mt-0.5 break-words">{result.error}</p>
      </div>
    );
  }
  return (
    <div
      role="status"
      className="rounded-md border border-green-200 bg-green-50 px-3 py-2 text-sm text-green-900"
    >
      <p className="font-semibold">
        Connected in {result.latencyMs} ms · MCP {result.protocolVersion ?? "unknown revision"} ·{" "}
        {result.toolCount} tool{result.toolCount === 1 ? "" : "s"}
      </p>
      {result.toolNames.length > 0 && (
        <p className="mt-0.5 font-mono text-xs">
          {result.toolNames.join(", ")}
          {(result.toolCount ?? 0) > result.toolNames.length && ", …"}
        </p>
      )}
    </div>
  );
}
