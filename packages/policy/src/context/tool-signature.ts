/**
 * The TypeScript-like signature code mode shows for a tool (`tools.x(args: {...}): Promise<...>`),
 * generated from its JSON Schemas. It documents; the gateway validates arguments itself, so
 * anything the generator does not model is shown as `unknown` rather than guessed.
 */
export function toolSignature(
  name: string,
  inputSchema: Record<string, unknown>,
  outputSchema?: Record<string, unknown> | null,
): string {
  const result = outputSchema ? typeOf(outputSchema, 0) : "unknown";
  return `tools.${sandboxIdentifier(name)}(args: ${typeOf(inputSchema, 0)}): Promise<${result}>`;
}

/** A tool's name as a JavaScript identifier (exposed names may hold `-` or `.`). */
export function sandboxIdentifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_$]/g, "_");
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

const MAX_DEPTH = 4;
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function typeOf(schema: unknown, depth: number): string {
  if (!schema || typeof schema !== "object" || depth > MAX_DEPTH) return "unknown";
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(" | ") || "never";
  if ("const" in s) return JSON.stringify(s.const);
  const union = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (Array.isArray(union)) return union.map((u) => typeOf(u, depth + 1)).join(" | ");
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const out = types.map((t) => typeOfKind(t, s, depth));
  return out.length > 1 ? out.join(" | ") : (out[0] ?? "unknown");
}

function typeOfKind(kind: unknown, s: Record<string, unknown>, depth: number): string {
  switch (kind) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = typeOf(s.items, depth + 1);
      return item.includes(" ") && !item.startsWith("{") ? `Array<${item}>` : `${item}[]`;
    }
    case "object":
    case undefined:
      return s.properties || kind === "object" ? objectType(s, depth) : "unknown";
    default:
      return "unknown";
  }
}

function objectType(s: Record<string, unknown>, depth: number): string {
  const props = s.properties as Record<string, unknown> | undefined;
  if (!props || Object.keys(props).length === 0) {
    const extra = s.additionalProperties;
    return extra && typeof extra === "object" ? `Record<string, ${typeOf(extra, depth + 1)}>` : "{}";
  }
  const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const fields = Object.entries(props).map(([key, value]) => {
    const label = IDENTIFIER.test(key) ? key : JSON.stringify(key);
    return `${label}${required.has(key) ? "" : "?"}: ${typeOf(value, depth + 1)}`;
  });
  return `{ ${fields.join("; ")} }`;
}
