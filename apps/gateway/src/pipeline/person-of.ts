/**
 * The person a call is made for, or null. An agent's API-key identity names no one; the
 * OAuth identity (`{ kind: "person", person, client, tokenId }`) names the person signed in.
 * Read structurally so every identity shape works: per-user rate limits, user-scoped DLP,
 * rate-limit and approval policies, and the approval request's requester all take it.
 */
export function personIdOf(identity: object): string | null {
  if (!("person" in identity)) return null;
  const person = (identity as { person?: { id?: unknown } | null }).person;
  return typeof person?.id === "string" ? person.id : null;
}
