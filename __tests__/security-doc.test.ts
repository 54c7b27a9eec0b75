/** SECURITY.md must describe what the code does: every secret the pipeline reads and every job it runs. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";
import { installationOf, pipelineOf } from "../config/installation";
import { JOB_IDS } from "../constructs/core/pipeline-model";
import { CLOUD_KEY_SECRETS, configFrom, PRESET_SECRETS } from "./helpers";

const security = readFileSync(path.join(PROJECT_ROOT, "SECURITY.md"), "utf8");
const section = (title: string) => security.slice(security.indexOf(title), security.indexOf("\n## ", security.indexOf(title) + 1));

test("the secrets table lists every secret the pipeline can read, with its scope", () => {
  const pipeline = pipelineOf(installationOf({ config: configFrom(), configFile: "kkp.yaml" }));
  const table = section("## Where each secret lives");
  for (const secret of [...pipeline.secrets, ...CLOUD_KEY_SECRETS.aws, ...CLOUD_KEY_SECRETS.gcp, ...PRESET_SECRETS.gcp]) {
    const row = table.split("\n").find((line) => line.startsWith("| ") && line.includes(`\`${secret.name}\``));
    expect({ secret: secret.name, row: row !== undefined }).toEqual({ secret: secret.name, row: true });
    expect(row).toContain(secret.scope === "environment" ? "environment secret" : "repository secret");
  }
});

test("the failure table covers every job", () => {
  const table = section("## What a job leaves");
  for (const id of JOB_IDS) expect(table).toContain(`\`${id}\``);
});
