/** Wiring only: load the configuration, define the stacks, synthesize. */
import { installationOf } from "./config/installation";
import { ConfigError, loadConfigFile } from "./config/load";
import { App } from "./constructs/core/cdktf";
import { defineStacks } from "./stacks/kkp-app";

try {
  const installation = installationOf(loadConfigFile());
  const app = new App();
  defineStacks(app, installation);
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
