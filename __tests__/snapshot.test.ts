/**
 * One snapshot per stack of the embedded example and of the Google Cloud example. Review a snapshot diff like a
 * plan: it is exactly the Terraform JSON `cdktf synth` writes. Update with `npm run test:update` only after reading it.
 */
import { configFrom, gcpExampleText, synthAll } from "./helpers";

describe.each([
  ["the embedded example (AWS)", undefined],
  ["examples/gcp-github.yaml", gcpExampleText],
])("snapshots of %s", (_, text) => {
  const stacks = synthAll(configFrom(undefined, text));

  test.each(Object.keys(stacks).sort())("stack %s", (id) => {
    expect(stacks[id]).toMatchSnapshot();
  });

  test("are deterministic: a second synthesis is identical", () => {
    expect(synthAll(configFrom(undefined, text))).toEqual(stacks);
  });
});
