/** `{ field: { from, to } }` for the listed fields, to record what an update changed. */
export function fieldChanges(
  current: object,
  desired: object,
  fields: string[],
): Record<string, { from: unknown; to: unknown }> {
  const from = current as Record<string, unknown>;
  const to = desired as Record<string, unknown>;
  return Object.fromEntries(fields.map((f) => [f, { from: from[f] ?? null, to: to[f] ?? null }]));
}
