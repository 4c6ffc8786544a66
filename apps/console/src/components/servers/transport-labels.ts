export const TRANSPORT_LABELS = {
  "streamable-http": "Streamable HTTP",
  sse: "SSE",
  stdio: "stdio",
} as const;
