/** Rewrites the generated sections of README.md: the configuration reference and the pipeline diagram. */
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { EXAMPLE_CONFIG, loadConfigFile, PROJECT_ROOT } from "../config/load";
import { readmeSections, withSections } from "../config/readme-sections";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: npm run docs   rewrites the generated sections of README.md (configuration reference, pipeline diagram)");

const readme = path.join(PROJECT_ROOT, "README.md");
writeFileSync(readme, withSections(readFileSync(readme, "utf8"), readmeSections(loadConfigFile(EXAMPLE_CONFIG).config)));
process.stdout.write("updated the generated sections of README.md\n");
