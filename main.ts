/** Wiring only: load the configuration, define the stacks, synthesize. */
import { App } from "cdktf";
import { ConfigError, loadConfigFile } from "./config/load";
import { defineStacks } from "./stacks/kkp-app";

try {
  const { config, configFile } = loadConfigFile();
  const app = new App();
  defineStacks(app, { config, configFile });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
