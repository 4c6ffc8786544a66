import { RE2JS } from "re2js";

/**
 * Regular expressions written by people other than us (custom DLP patterns, upstream tool
 * schemas' `pattern` and `patternProperties`) run on RE2's linear-time engine (re2js), never
 * on JavaScript's backtracking RegExp: the text they run over comes from agents and
 * upstreams, so a pattern such as `(a+)+$` must cost time proportional to the input, not
 * exponential in it. RE2 syntax has no backreferences and no lookaround; a pattern that
 * needs them is refused when it is compiled, with RE2's own message.
 */

/** Compiles an RE2 pattern; throws an Error that says the pattern is not valid RE2 and why. */
export function compileLinearRegex(source: string, options: { ignoreCase?: boolean } = {}): RE2JS {
  try {
    return RE2JS.compile(source, options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (error) {
    throw new Error(`not a valid RE2 regular expression: ${(error as Error).message}`);
  }
}

/** Every non-empty match of `re` in `text`, left to right, as UTF-16 offsets. */
export function findAllLinear(re: RE2JS, text: string, out: Array<{ start: number; end: number }>): void {
  const m = re.matcher(text);
  while (m.find()) {
    const start = m.start();
    const end = m.end();
    if (end > start) out.push({ start, end });
  }
}

/**
 * Ajv's `code.regExp` engine on RE2: Ajv calls it once per schema pattern at compile time,
 * and the validator calls `test` per value. An invalid RE2 pattern makes the schema fail to
 * compile, so the tool's calls are refused with that reason instead of running a
 * backtracking regex. (`code` is what Ajv would emit in standalone code; we never do.)
 */
export const linearRegExpEngine = Object.assign(
  (pattern: string, _flags: string) => {
    const re = compileLinearRegex(pattern);
    return { test: (s: string) => re.test(s), toString: () => `re2:${pattern}` };
  },
  { code: 'require("@portcullis/policy/linear-regex").linearRegExpEngine' },
);
