import type { CompiledSnapshot } from "./compiled-snapshot";
import type { SnapshotStore } from "./snapshot-store";

/**
 * The snapshot after making sure the store has read what Redis holds right now. The console
 * returns a new key (or a first configuration) once its snapshot is in Redis, but the
 * announcement reaches this gateway a moment later: a client that uses the key at once must
 * not be refused for that. `refresh` is single-flight, so a load already under way may have
 * read Redis before the publish; a second refresh then reads it afresh. Costs at most two
 * version reads, shared by every request waiting at the same time.
 * @returns the newer snapshot, or null when Redis holds nothing newer than `held`.
 */
export async function catchUpSnapshot(
  store: SnapshotStore,
  held: CompiledSnapshot | null,
): Promise<CompiledSnapshot | null> {
  for (let attempt = 0; attempt < 2; attempt++) {
    await store.refresh();
    const current = store.current();
    if (current !== null && current !== held) return current;
  }
  return null;
}
