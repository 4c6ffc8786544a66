// Next.js calls register() once per server process at boot. OpenTelemetry is configured by
// its standard OTEL_* variables alone; unset, the SDK is never loaded. The Node-only part
// sits in its own module so that the edge build never sees it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    await import("./instrumentation-node");
  }
}
