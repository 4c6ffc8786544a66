import { CopyButton } from "../ui/copy-button";

interface PropertyRow {
  path: string;
  type: string;
  required: boolean;
  description: string | null;
}

function typeOf(schema: Record<string, unknown>): string {
  if (Array.isArray(schema.enum)) return `enum: ${schema.enum.map((v) => JSON.stringify(v)).join(" | ")}`;
  const type = schema.type;
  if (Array.isArray(type)) return type.join(" | ");
  if (typeof type === "string") {
    if (type === "array" && isObject(schema.items)) return `${typeOf(schema.items)}[]`;
    return type;
  }
  if (Array.isArray(schema.anyOf ?? schema.oneOf)) return "one of several";
  return "any";
}

/** Top-level and nested object properties, flattened with dotted paths (two levels deep). */
function rows(schema: Record<string, unknown>, prefix = "", depth = 0): PropertyRow[] {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const out: PropertyRow[] = [];
  for (const [name, raw] of Object.entries(properties)) {
    if (!isObject(raw)) continue;
    const path = `${prefix}${name}`;
    out.push({
      path,
      type: typeOf(raw),
      required: required.has(name),
      description: typeof raw.description === "string" ? raw.description : null,
    });
    if (depth < 2 && isObject(raw.properties)) out.push(...rows(raw, `${path}.`, depth + 1));
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** A JSON Schema as a readable table of its properties, with the raw schema one click away. */
export function JsonSchemaViewer({ title, schema }: { title: string; schema: Record<string, unknown> }) {
  const properties = rows(schema);
  const raw = JSON.stringify(schema, null, 2);
  return (
    <section aria-label={title} className="space-y-3">
      <div className="flex items-center justify-between">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <CopyButton value={raw} label="Copy JSON" />
      </div>
      {properties.length === 0 ? (
        <p className="text-sm text-slate-500">No parameters.</p>
      ) : (
        <div className="overflow-x-auto rounded-md border border-slate-200">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label={`${title} properties`}>
            <thead className="bg-slate-50 text-left text-xs font-semibold tracking-wide text-slate-600 uppercase">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Property
                </th>
                <th scope="col" className="px-3 py-2">
                  Type
                </th>
                <th scope="col" className="px-3 py-2">
                  Description
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {properties.map((p) => (
                <tr key={p.path}>
                  <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">
                    {p.path}
                    {p.required && (
                      <span className="ml-1 text-red-600" title="required">
                        *
                      </span>
                    )}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs text-slate-700">{p.type}</td>
                  <td className="px-3 py-2 text-slate-600">{p.description ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <details className="rounded-md border border-slate-200 bg-slate-50">
        <summary className="cursor-pointer px-3 py-2 text-sm text-slate-700">Raw JSON Schema</summary>
        <pre className="max-h-96 overflow-auto border-t border-slate-200 px-3 py-2 font-mono text-xs text-slate-800">
          {raw}
        </pre>
      </details>
    </section>
  );
}
