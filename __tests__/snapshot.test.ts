/**
 * One snapshot per stack of the embedded example. Review a snapshot diff like a plan: it is exactly the
 * Terraform JSON `cdktf synth` writes. Update with `npm run test:update` only after reading it.
 */
import { configFrom, synthAll } from "./helpers";

describe("snapshots of the embedded example", () => {
  const stacks = synthAll(configFrom());

  test.each(Object.keys(stacks).sort())("stack %s", (id) => {
    expect(stacks[id]).toMatchSnapshot();
  });

  test("are deterministic: a second synthesis is identical", () => {
    expect(synthAll(configFrom())).toEqual(stacks);
  });
});
