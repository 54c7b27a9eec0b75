/**
 * Synthesizes a batch of generated valid configurations in its own process and reports the failures as JSON.
 * cdktf keeps every token in a process-wide registry, so thousands of syntheses only fit in fresh processes;
 * the property test runs this worker once per batch.
 *
 *   node --import tsx __tests__/synth-batch.ts <seed> <count>
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { parseConfig } from "../config/load";
import { validConfig } from "./arbitraries";
import { synthAll } from "./helpers";

const [seed, count] = process.argv.slice(2).map(Number);
const failures: Array<{ index: number; error: string; config: string }> = [];
fc.sample(validConfig, { seed, numRuns: count }).forEach((data, index) => {
  const text = stringify(data);
  try {
    const stacks = synthAll(parseConfig(text));
    if (!stacks.ci || !stacks.state) throw new Error(`missing stacks: ${Object.keys(stacks).join(", ")}`);
  } catch (error) {
    failures.push({ index, error: error instanceof Error ? error.message : String(error), config: text });
  }
});
process.stdout.write(JSON.stringify({ seed, synthesized: count - failures.length, failures }));
