import { z } from "zod";
import { approvalPolicyFileEntry } from "./approval-policy";
import { dlpPolicyFileEntry } from "./dlp-policy";
import { rateLimitPolicyFileEntry } from "./rate-limit-policy";

/**
 * The `policies:` section of the apply file: governance policies of every kind, told
 * apart by `kind`. Each kind's entry (name, kind, disabled?, priority?, scope?, config)
 * lives with its config schema; names are unique across kinds (they are the identity).
 */
export const configPolicy = z.discriminatedUnion("kind", [
  dlpPolicyFileEntry,
  rateLimitPolicyFileEntry,
  approvalPolicyFileEntry,
]);
export type ConfigPolicy = z.infer<typeof configPolicy>;
