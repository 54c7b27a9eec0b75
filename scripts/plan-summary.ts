/** Usage: npx tsx scripts/plan-summary.ts <stack> <plan.json>  — prints the plan's Markdown summary. */
import { readFileSync } from "node:fs";
import { planSummary } from "../constructs/pipeline/plan-summary";
import { exitWithUsageIfAsked } from "./cli";

exitWithUsageIfAsked("usage: plan-summary <stack> <plan.json>   prints the Markdown summary of a plan (terraform show -json)");

const [stack, file] = process.argv.slice(2);
if (!stack || !file) {
  process.stderr.write("usage: plan-summary <stack> <plan.json>\n");
  process.exit(2);
}
process.stdout.write(planSummary(stack, JSON.parse(readFileSync(file, "utf8"))));
