/**
 * Usage: npx tsx scripts/plan-summary.ts <stack> <plan.json> [--gitlab-report <file>]
 * Prints the plan's Markdown summary; with --gitlab-report, also writes the counts in the format of GitLab's
 * Terraform report (`artifacts:reports:terraform`), which merge requests show as a widget.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { planCounts, planSummary } from "../constructs/pipeline/plan-summary";

const [stack, file, flag, report] = process.argv.slice(2);
if (!stack || !file || (flag !== undefined && (flag !== "--gitlab-report" || !report))) {
  process.stderr.write("usage: plan-summary <stack> <plan.json> [--gitlab-report <file>]\n");
  process.exit(2);
}
const plan = JSON.parse(readFileSync(file, "utf8"));
if (report) {
  const counts = planCounts(plan);
  writeFileSync(report, JSON.stringify({ create: counts.add, update: counts.change, delete: counts.destroy }));
}
process.stdout.write(planSummary(stack, plan));
