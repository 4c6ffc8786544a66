export interface RunningTracing {
  /** Exports what is still buffered and unregisters the SDK; call it last in a graceful shutdown. */
  shutdown(): Promise<void>;
}
