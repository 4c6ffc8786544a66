import { AsyncLocalStorage } from "node:async_hooks";
import type { ServerEvent, ServerEventBus } from "@modelcontextprotocol/server";

/** Whose `subscriptions/listen` stream a bus listener feeds: the agent (or person) it serves. */
const listenerScope = new AsyncLocalStorage<string>();

/**
 * The serving entry's change-event bus, aware of whose stream each listener feeds. The SDK
 * registers a listener when a `subscriptions/listen` stream opens, inside the request that
 * opened it; the endpoint serves every request inside `runAs(subjectId)`, so each listener
 * is tagged with its subject. Change notices (list_changed) go to everyone, as the SDK's own
 * bus does; `notifications/resources/updated` goes only to the subjects that subscribed
 * through the gateway, so two organizations (or two agents) naming the same URI never hear
 * each other's resource.
 */
export class ScopedEventBus implements ServerEventBus {
  private readonly listeners = new Map<(event: ServerEvent) => void, string | undefined>();

  /** Runs `fn` (serving one request) as `subjectId`: listen streams it opens are that subject's. */
  static runAs<T>(subjectId: string, fn: () => T): T {
    return listenerScope.run(subjectId, fn);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    this.listeners.set(listener, listenerScope.getStore());
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** SDK-sourced events: resource updates without an audience are dropped, never broadcast. */
  publish(event: ServerEvent): void {
    if (event.kind === "resource_updated") return;
    for (const listener of [...this.listeners.keys()]) deliver(listener, event);
  }

  /** `notifications/resources/updated` for `uri`, to the streams of `subjects` that listen to it. */
  resourceUpdated(uri: string, subjects: { has(subjectId: string): boolean }): void {
    const event: ServerEvent = { kind: "resource_updated", uri };
    for (const [listener, subject] of [...this.listeners]) {
      if (subject !== undefined && subjects.has(subject)) deliver(listener, event);
    }
  }
}

function deliver(listener: (event: ServerEvent) => void, event: ServerEvent): void {
  try {
    listener(event);
  } catch {
    // One broken stream does not stop delivery to the others (as the SDK's in-memory bus).
  }
}
