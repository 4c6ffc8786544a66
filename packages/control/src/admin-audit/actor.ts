/** Who made a control-plane change: a console user, the CLI, or the system (worker, boot). */
export interface Actor {
  type: "cli" | "user" | "system";
  id?: string;
  name?: string;
}

/** A short label for `createdBy` columns and messages. */
export function actorLabel(actor: Actor): string {
  return actor.name ?? actor.id ?? actor.type;
}
