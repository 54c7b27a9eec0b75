/**
 * Fills the `${NAME}` placeholders of a generated file from environment variables (CI secrets) and writes the
 * result readable by its owner only. Used by kkp-deploy right before the KKP installer reads the files.
 *
 *   npx tsx scripts/fill-secrets.ts <committed file> <output file>
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { fillPlaceholders, MissingSecretError } from "../constructs/content/placeholders";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: fill-secrets <committed file> <output file>   fills ${NAME} placeholders from the environment, refusing any unset");

function main([input, output]: string[]): number {
  if (!input || !output) {
    process.stderr.write("usage: fill-secrets <committed file> <output file>\n");
    return 2;
  }
  const filled = fillPlaceholders(readFileSync(input, "utf8"), process.env, input);
  // A value that breaks the YAML would surface as a confusing installer error; say where instead (never what).
  const broken = parseAllDocuments(filled).flatMap((doc) => doc.errors);
  if (broken.length > 0) {
    process.stderr.write(`${input}: the filled file is not valid YAML (${broken[0].code}); check the CI secrets it uses\n`);
    return 1;
  }
  writeFileSync(output, filled, { mode: 0o600 });
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof MissingSecretError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
