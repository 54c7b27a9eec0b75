/** Rewrites the configuration reference between the markers in README.md from the configuration schema. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { configReferenceTable, REFERENCE_END, REFERENCE_START } from "../config/reference";

const readme = path.join(PROJECT_ROOT, "README.md");
const text = readFileSync(readme, "utf8");
const start = text.indexOf(REFERENCE_START);
const end = text.indexOf(REFERENCE_END);
if (start < 0 || end < start) {
  process.stderr.write(`README.md has no ${REFERENCE_START} ... ${REFERENCE_END} section\n`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, start + REFERENCE_START.length)}\n${configReferenceTable()}\n${text.slice(end)}`);
process.stdout.write("updated the configuration reference in README.md\n");
