import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_SCHEMA_PATH, configFileJsonSchema, configFileJsonSchemaText } from "./write-json-schema";

describe("portcullis.schema.json", () => {
  it("is up to date with the config file schema (regenerate: tsx packages/control/src/apply/write-json-schema.ts)", () => {
    expect(readFileSync(CONFIG_SCHEMA_PATH, "utf8")).toBe(configFileJsonSchemaText());
  });

  it("describes the file's top-level sections and rejects unknown ones", () => {
    const schema = configFileJsonSchema() as {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    };
    expect(Object.keys(schema.properties)).toEqual([
      "organization",
      "servers",
      "teams",
      "agents",
      "grants",
      "tools",
      "toolRisk",
      "policies",
      "portals",
      "oauth",
    ]);
    expect(schema.additionalProperties).toBe(false);
  });
});
