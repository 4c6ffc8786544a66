import { INJECTION_FLAG_PREFIX } from "@portcullis/policy/tool-scan/findings";
import { COLLISION_FLAG_PREFIX } from "@portcullis/policy/tool-scan/name-collisions";
import { DEFINITION_CHANGED, NEW_TOOL } from "../../servers/sync-catalog";

/** What an admin is asked to look at, read from a tool's flags. */
export interface ReviewReason {
  flag: string;
  kind: "definition_changed" | "new_tool" | "prompt_injection" | "name_collision" | "other";
  /** The injection kind or the other server's name; null for definition_changed and new_tool. */
  detail: string | null;
}

export function reviewReasons(flags: readonly string[]): ReviewReason[] {
  return flags.map((flag) => {
    if (flag === DEFINITION_CHANGED) return { flag, kind: "definition_changed", detail: null };
    if (flag === NEW_TOOL) return { flag, kind: "new_tool", detail: null };
    if (flag.startsWith(INJECTION_FLAG_PREFIX)) {
      return { flag, kind: "prompt_injection", detail: flag.slice(INJECTION_FLAG_PREFIX.length) };
    }
    if (flag.startsWith(COLLISION_FLAG_PREFIX)) {
      return { flag, kind: "name_collision", detail: flag.slice(COLLISION_FLAG_PREFIX.length) };
    }
    return { flag, kind: "other", detail: null };
  });
}
