/** Wiring only: load the configuration, define the stacks, synthesize. */
import * as path from "node:path";
import { App } from "cdktf";
import { ConfigError, loadConfigFile, PROJECT_ROOT } from "./config/load";
import { defineStacks } from "./stacks/kkp-app";

try {
  const { config, file } = loadConfigFile();
  const app = new App();
  defineStacks(app, { config, configFile: path.relative(PROJECT_ROOT, file) });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
