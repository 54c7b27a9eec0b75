/** The README's configuration reference, generated from the JSON Schema so the documented settings and defaults are the ones the code applies. */
import { configJsonSchema } from "./json-schema";

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  additionalProperties?: JsonSchema | boolean;
}

/** One Markdown table row per setting: path, type, required or default, description. */
export function configReferenceTable(): string {
  const rows: string[] = ["| setting | type | default | description |", "| --- | --- | --- | --- |"];
  walk(JSON.parse(configJsonSchema()), "", true, rows);
  return rows.join("\n");
}

function walk(schema: JsonSchema, at: string, required: boolean, rows: string[], type?: string): void {
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) {
    // `false` or an object (kkp.alerting): one row, then the object's settings.
    const constants = variants.filter((variant) => variant.const !== undefined);
    const [other, ...rest] = variants.filter((variant) => variant.const === undefined);
    if (constants.length > 0 && other && rest.length === 0) {
      const label = `${constants.map((c) => `\`${String(c.const)}\``).join(" \\| ")} or ${typeOf(other)}`;
      walk({ ...other, description: other.description ?? schema.description, default: schema.default }, at, required, rows, label);
      return;
    }
    for (const variant of variants) walk({ ...variant, description: variant.description ?? schema.description }, at, required, rows);
    return;
  }
  if (at) rows.push(row(schema, at, required, type));
  if (schema.type === "object" && schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) {
      const childPath = at ? `${at}.${key}` : key;
      if (child.const !== undefined && key === "provider") {
        rows.push(`| \`${childPath}\` | \`${String(child.const)}\` | **required** | Selects the settings below. |`);
        continue;
      }
      walk(child, childPath, (schema.required ?? []).includes(key) && child.default === undefined, rows);
    }
  }
  if (schema.type === "array" && schema.items?.type === "object") {
    for (const [key, child] of Object.entries(schema.items.properties ?? {})) {
      walk(child, `${at}[].${key}`, (schema.items.required ?? []).includes(key) && child.default === undefined, rows);
    }
  }
}

function row(schema: JsonSchema, at: string, required: boolean, type = typeOf(schema)): string {
  const [description, documentedDefault] = (schema.description ?? "").split(" @default ");
  const fallback = schema.default !== undefined ? `\`${JSON.stringify(schema.default)}\`` : required ? "**required**" : "optional";
  const shown = documentedDefault ? documentedDefault.replace(/^- /, "") : fallback;
  return `| \`${at}\` | ${type} | ${escape(shown)} | ${escape(description)} |`;
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${String(schema.const)}\``;
  if (schema.enum) return schema.enum.map((v) => `\`${String(v)}\``).join(" \\| ");
  if (schema.type === "array") return `list of ${schema.items?.type === "object" ? "objects" : `${schema.items?.type ?? "any"}s`}`;
  if (schema.type === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object") return "map of strings";
  return schema.type ?? "any";
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
