/**
 * Writes config/kkp.schema.json, the JSON Schema of the configuration, for editor completion
 * (`# yaml-language-server: $schema=...`). A test fails when the committed file is stale (`npm run docs`).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { configJsonSchema } from "../config/json-schema";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: npm run docs   writes config/kkp.schema.json (and the README's generated sections)");

const target = path.join(PROJECT_ROOT, "config", "kkp.schema.json");
writeFileSync(target, configJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), target)}\n`);
