import { writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { configFile } from "@portcullis/contracts/config-file";
import { z } from "zod";

/** The committed JSON Schema editors validate `portcullis.yaml` against. */
export const CONFIG_SCHEMA_PATH = fileURLToPath(
  new URL("../../../../portcullis.schema.json", import.meta.url),
);

/**
 * JSON Schema of the config file, generated from the zod schema so the two cannot drift.
 * `io: "input"` describes what a person writes (fields with defaults are optional).
 */
export function configFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configFile, { io: "input", unrepresentable: "any" }),
    title: "Portcullis configuration file",
    description:
      "Declarative Portcullis configuration, applied with `portcullis apply -f <file>`. " +
      "Add `# yaml-language-server: $schema=./portcullis.schema.json` to a YAML file for editor validation.",
  };
}

/** The file's exact text (stable formatting, trailing newline). */
export function configFileJsonSchemaText(): string {
  return `${JSON.stringify(configFileJsonSchema(), null, 2)}\n`;
}

// `tsx packages/control/src/apply/write-json-schema.ts` regenerates the committed file.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(CONFIG_SCHEMA_PATH, configFileJsonSchemaText());
  console.log(`wrote ${CONFIG_SCHEMA_PATH}`);
}
