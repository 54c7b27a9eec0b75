/** Wiring only: load the configuration, define the stacks, synthesize. */
import { installationOf } from "./config/installation";
import { loadConfigFile, runReportingConfigErrors } from "./config/load";
import { App } from "./constructs/core/cdktf";
import { defineStacks } from "./stacks/kkp-app";

runReportingConfigErrors(() => {
  const installation = installationOf(loadConfigFile());
  const app = new App();
  defineStacks(app, installation);
  app.synth();
  return 0;
});
