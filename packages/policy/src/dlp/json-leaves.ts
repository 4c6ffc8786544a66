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

/**
 * Visits every string leaf of a JSON value in document order, with the nearest member name
 * above it. Only strings are visited: numbers, booleans and member names are not data a
 * detector reads. Iterative, so a deeply nested value cannot overflow the stack; the path
 * is built only when the visitor asks for it (that is, when something was found).
 */
export function forEachStringLeaf(
  root: unknown,
  visit: (value: string, fieldName: string | undefined, path: () => PathSegment[]) => void,
): void {
  const stack: Frame[] = [{ value: root, parent: null, key: null, fieldName: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const value = frame.value;
    if (typeof value === "string") {
      visit(value, frame.fieldName, () => segmentsOf(frame));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        stack.push({ value: value[i], parent: frame, key: i, fieldName: frame.fieldName });
      }
    } else if (value !== null && typeof value === "object") {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i]!;
        stack.push({ value: (value as Record<string, unknown>)[key], parent: frame, key, fieldName: key });
      }
    }
  }
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
