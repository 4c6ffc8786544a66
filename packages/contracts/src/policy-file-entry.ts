import { z } from "zod";

const name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9-]*$/, "use lowercase letters, digits and dashes");

/**
 * A policy as written in the apply file: the fields every kind shares, plus that kind's
 * config schema. Scope lists name teams, agents and servers, tools as `<server>__<tool>`, and
 * people (`users`) by email; an empty or absent list means "all".
 */
export function policyFileEntry<K extends string, C extends z.ZodType>(kind: K, config: C) {
  return z
    .object({
      name,
      kind: z.literal(kind),
      disabled: z.boolean().optional(),
      priority: z.number().int().optional(),
      scope: z
        .object({
          teams: z.array(z.string().min(1)).optional(),
          agents: z.array(z.string().min(1)).optional(),
          servers: z.array(z.string().min(1)).optional(),
          tools: z.array(z.string().min(1)).optional(),
          users: z
            .array(z.string().email())
            .optional()
            .describe("people by the email they sign in with (members): only calls made for them"),
        })
        .strict()
        .optional(),
      config,
    })
    .strict();
}
