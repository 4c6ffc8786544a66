import { RE2JS } from "re2js";
import { z } from "zod";
import { policyFileEntry } from "./policy-file-entry";

/**
 * Config of a `dlp` policy: which detectors look at tool traffic, in which direction, and
 * what happens when one fires. The policy's `scope` (teams, agents, servers, tools) says
 * which calls it covers.
 *
 * ```yaml
 * - name: no-secrets
 *   kind: dlp
 *   scope: { teams: [platform] }
 *   config:
 *     detectors: [aws-access-key, github-token, private-key]   # or: all
 *     custom:
 *       - { name: employee-id, pattern: "EMP-\\d{6}" }
 *     direction: both        # arguments | results | both
 *     action: block          # block | redact | log
 * ```
 *
 * - block: a finding in the arguments refuses the call (nothing reaches the upstream); a
 *   finding in the result replaces it with an error result.
 * - redact: each match is replaced with `[REDACTED:<detector>]` before it is forwarded
 *   (arguments) or delivered to the agent (results).
 * - log: the finding is recorded in the audit event; the traffic is unchanged.
 *
 * Whatever the action, the audit event stores the arguments and the result summary with
 * every match masked, and findings name the detector and the JSON path, never the value.
 */

/** Built-in detectors, in the order they are reported. */
export const DLP_DETECTORS = [
  "aws-access-key",
  "aws-secret-key",
  "github-token",
  "slack-token",
  "private-key",
  "jwt",
  "generic-secret",
  "credit-card",
  "email",
  "phone",
  "iban",
  "us-ssn",
] as const;
export const dlpDetectorId = z.enum(DLP_DETECTORS);
export type DlpDetectorId = z.infer<typeof dlpDetectorId>;

/**
 * `arguments` covers a tool call's arguments, a resource URI and a prompt's arguments;
 * `results` covers text content, structured content, embedded resource text, resource
 * contents, prompt messages and upstream error messages. Member names and numbers are
 * scanned as well as strings, after Unicode normalization and decoding of long base64 and
 * percent-encoded runs (policy/dlp/find-matches.ts).
 */
export const dlpDirection = z.enum(["arguments", "results", "both"]);
export type DlpDirection = z.infer<typeof dlpDirection>;

export const dlpAction = z.enum(["block", "redact", "log"]);
export type DlpAction = z.infer<typeof dlpAction>;

/** Longest custom pattern source accepted (a guard against pasted blobs, not a safety bound). */
export const DLP_CUSTOM_PATTERN_MAX = 500;

const builtin = new Set<string>(DLP_DETECTORS);

export const dlpCustomDetector = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,47}$/, "use lowercase letters, digits and dashes (at most 48)")
      .refine((n) => !builtin.has(n), "this name is a built-in detector; pick another")
      .describe("reported as the detector, and in redactions as [REDACTED:<name>]"),
    pattern: z
      .string()
      .min(1)
      .max(DLP_CUSTOM_PATTERN_MAX)
      .describe(
        "an RE2 regular expression (no delimiters, no flags; no backreferences or lookaround, so matching stays linear-time)",
      ),
    ignoreCase: z.boolean().default(false),
  })
  .strict()
  .superRefine((d, ctx) => {
    // Custom patterns run over agent and upstream text on RE2's linear-time engine
    // (policy/linear-regex.ts), so they are validated as RE2: a pattern only a backtracking
    // engine accepts is refused here, never run.
    let re: RE2JS;
    try {
      re = RE2JS.compile(d.pattern, d.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: ["pattern"],
        message: `not a valid regular expression (RE2 syntax: no backreferences or lookaround): ${(error as Error).message}`,
      });
      return;
    }
    // A pattern that matches the empty string would "find" something in every field.
    if (re.test("")) ctx.addIssue({ code: "custom", path: ["pattern"], message: "matches the empty string" });
  });
export type DlpCustomDetector = z.infer<typeof dlpCustomDetector>;

export const dlpPolicyConfig = z
  .object({
    detectors: z
      .union([z.literal("all"), z.array(dlpDetectorId)], {
        error: `use "all" or a list of built-in detectors (${DLP_DETECTORS.join(", ")})`,
      })
      .default([])
      .describe('built-in detectors to run, or "all"'),
    custom: z.array(dlpCustomDetector).max(32).default([]).describe("named regular expressions"),
    direction: dlpDirection.default("both"),
    action: dlpAction,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.detectors !== "all" && c.detectors.length === 0 && c.custom.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["detectors"],
        message: "name at least one detector (or custom pattern)",
      });
    }
    const names = new Set<string>();
    c.custom.forEach((d, i) => {
      if (names.has(d.name))
        ctx.addIssue({
          code: "custom",
          path: ["custom", i, "name"],
          message: `duplicate custom detector "${d.name}"`,
        });
      names.add(d.name);
    });
  });
export type DlpPolicyConfig = z.infer<typeof dlpPolicyConfig>;

/** A `dlp` policy as written in the apply file. */
export const dlpPolicyFileEntry = policyFileEntry("dlp", dlpPolicyConfig);
export type DlpPolicyFileEntry = z.infer<typeof dlpPolicyFileEntry>;
