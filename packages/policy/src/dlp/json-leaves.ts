/** A step into a JSON value: an object member name or an array index. */
export type PathSegment = string | number;

interface Frame {
  value: unknown;
  parent: Frame | null;
  key: PathSegment | null;
  /** The nearest member name above (array elements inherit their array's). */
  fieldName: string | undefined;
}

function segmentsOf(frame: Frame): PathSegment[] {
  const segments: PathSegment[] = [];
  for (let f: Frame | null = frame; f?.key != null; f = f.parent) segments.push(f.key);
  return segments.reverse();
}

/** What a scanned text of a JSON value is: a string or number value, or an object member's name. */
export type LeafKind = "value" | "key";

/**
 * Visits every text a detector reads in a JSON value, in document order: string values,
 * numbers (as JSON writes them: a card number sent as a number is still a card number) and
 * member names (`{ "AKIA…": true }` carries its secret in the key). A key's path ends with
 * the key itself. Iterative, and the path is built only when asked for.
 */
export function forEachTextLeaf(
  root: unknown,
  visit: (text: string, fieldName: string | undefined, path: () => PathSegment[], kind: LeafKind) => void,
): void {
  const stack: Frame[] = [{ value: root, parent: null, key: null, fieldName: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const value = frame.value;
    if (typeof value === "string") {
      visit(value, frame.fieldName, () => segmentsOf(frame), "value");
    } else if (typeof value === "number") {
      if (Number.isFinite(value)) visit(String(value), frame.fieldName, () => segmentsOf(frame), "value");
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], parent: frame, key: i, fieldName: frame.fieldName });
      }
    } else if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      for (const key of keys) visit(key, undefined, () => [...segmentsOf(frame), key], "key");
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (value as Record<string, unknown>)[key], parent: frame, key, fieldName: key });
      }
    }
  }
}

/**
 * A copy of `root` with object members renamed (`path` ends with the old name), keeping
 * member order and sharing untouched branches; the original is never modified. Deeper
 * renames go first, so a path through a renamed member still resolves.
 */
export function withRenamedKeys<T>(
  root: T,
  edits: ReadonlyArray<{ path: readonly PathSegment[]; to: string }>,
): T {
  let out: unknown = root;
  const ordered = [...edits].sort((x, y) => y.path.length - x.path.length);
  const define = (target: Record<PathSegment, unknown>, key: PathSegment, value: unknown) =>
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  for (const { path, to } of ordered) {
    // Walk down (iteratively: a deep value must not overflow the stack), then copy back up.
    const chain: unknown[] = [out];
    for (let d = 0; d < path.length - 1; d++) {
      const node = chain[d];
      if (node === null || typeof node !== "object") break;
      chain.push((node as Record<PathSegment, unknown>)[path[d]!]);
    }
    const holder = chain[path.length - 1];
    const seg = path[path.length - 1]!;
    if (chain.length !== path.length || holder === null || typeof holder !== "object") continue;
    if (Array.isArray(holder) || !Object.hasOwn(holder, seg)) continue;
    // Two names redacted alike stay two members: the later one gets a number.
    let name = to;
    for (let n = 2; name !== seg && Object.hasOwn(holder, name); n++) name = `${to}#${n}`;
    let rebuilt: unknown = {};
    for (const [k, v] of Object.entries(holder))
      define(rebuilt as Record<string, unknown>, k === seg ? name : k, v);
    for (let d = path.length - 2; d >= 0; d--) {
      const node = chain[d] as Record<PathSegment, unknown>;
      const copy = (Array.isArray(node) ? node.slice() : { ...node }) as Record<PathSegment, unknown>;
      define(copy, path[d]!, rebuilt);
      rebuilt = copy;
    }
    out = rebuilt;
  }
  return out as T;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `$.arguments.items[2]["content-type"]`: where a finding is, in JSONPath notation. */
export function jsonPath(prefix: string, segments: readonly PathSegment[]): string {
  let path = prefix;
  for (const s of segments) {
    if (typeof s === "number") path += `[${s}]`;
    else path += IDENTIFIER.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
  }
  return path;
}

/**
 * A copy of `root` with the given leaves replaced, sharing every untouched branch with the
 * original (which is never modified). Members are defined, not assigned, so a JSON member
 * named `__proto__` is replaced like any other.
 */
export function withReplacedLeaves<T>(
  root: T,
  edits: ReadonlyArray<{ path: readonly PathSegment[]; value: string }>,
): T {
  if (edits.length === 0) return root;
  const clones = new Map<object, Record<PathSegment, unknown>>();
  const cloneOf = (o: object): Record<PathSegment, unknown> => {
    let copy = clones.get(o);
    if (!copy) {
      copy = (Array.isArray(o) ? o.slice() : { ...o }) as Record<PathSegment, unknown>;
      clones.set(o, copy);
    }
    return copy;
  };
  const set = (target: Record<PathSegment, unknown>, key: PathSegment, value: unknown) =>
    Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });

  const rootCopy = cloneOf(root as object);
  for (const { path, value } of edits) {
    let original = root as Record<PathSegment, unknown>;
    let copy = rootCopy;
    for (let i = 0; i < path.length - 1; i++) {
      const child = original[path[i]!] as object;
      const childCopy = cloneOf(child);
      set(copy, path[i]!, childCopy);
      original = child as Record<PathSegment, unknown>;
      copy = childCopy;
    }
    set(copy, path[path.length - 1]!, value);
  }
  return rootCopy as T;
}
