import { z } from "zod";
import { configSchema } from "./schema";

/** The configuration's JSON Schema as written by a user (defaults make settings optional), pretty-printed. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "kkp-gitops configuration" }, null, 2)}\n`;
}
