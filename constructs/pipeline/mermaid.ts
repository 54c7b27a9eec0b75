/** The pipeline as a Mermaid flowchart, drawn from the same model the renderers use (README.md shows it). */
import type { Pipeline } from "../core/pipeline-model";

export function pipelineMermaid(pipeline: Pipeline): string {
  const node = (id: string) => id.replace(/-/g, "_");
  const lines = ["flowchart LR"];
  const groups: Array<[string, string, boolean]> = [
    ["both", "pull request and push to main", true],
    ["main", "push to main only", false],
  ];
  for (const [id, title, onChangeRequest] of groups) {
    lines.push(`  subgraph ${id}["${title}"]`);
    for (const job of pipeline.jobs.filter((j) => j.triggers.includes("change-request") === onChangeRequest)) {
      lines.push(`    ${node(job.id)}["<b>${job.id}</b><br/>${job.description}"]`);
    }
    lines.push("  end");
  }
  for (const job of pipeline.jobs) {
    for (const need of job.needs) lines.push(`  ${node(need)} --> ${node(job.id)}`);
    for (const after of job.after ?? []) lines.push(`  ${node(after)} -. "when it runs" .-> ${node(job.id)}`);
  }
  return lines.join("\n");
}
