/** Turns `terraform show -json <plan>` into the Markdown reviewers read: counts per stack and the changed resources. */

interface PlanJson {
  readonly resource_changes?: ReadonlyArray<{ readonly address: string; readonly change: { readonly actions: readonly string[] } }>;
}

export interface PlanCounts {
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
}

const SYMBOL: Record<string, string> = { create: "+", update: "~", delete: "-", replace: "-/+" };

function kindOf(actions: readonly string[]): keyof typeof SYMBOL | undefined {
  if (actions.includes("create") && actions.includes("delete")) return "replace";
  const [action] = actions;
  return action in SYMBOL ? action : undefined;
}

export function planCounts(plan: PlanJson): PlanCounts {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const { change: c } of plan.resource_changes ?? []) {
    const kind = kindOf(c.actions);
    if (kind === "create" || kind === "replace") add++;
    if (kind === "delete" || kind === "replace") destroy++;
    if (kind === "update") change++;
  }
  return { add, change, destroy };
}

/** Pull-request comments are capped at 65,536 characters; long resource lists are cut well below that. */
const MAX_LISTED = 500;

export function planSummary(stack: string, plan: PlanJson): string {
  const counts = planCounts(plan);
  const changed = (plan.resource_changes ?? []).flatMap((rc) => {
    const kind = kindOf(rc.change.actions);
    return kind ? [`${SYMBOL[kind]} ${rc.address}`] : [];
  });
  const lines = [
    `### Terraform plan: \`${stack}\``,
    "",
    "| add | change | destroy |",
    "| ---: | ---: | ---: |",
    `| ${counts.add} | ${counts.change} | ${counts.destroy} |`,
    "",
  ];
  if (changed.length === 0) return [...lines, "No changes.", ""].join("\n");
  const listed = changed.length > MAX_LISTED ? [...changed.slice(0, MAX_LISTED), `... and ${changed.length - MAX_LISTED} more`] : changed;
  return [...lines, "<details><summary>Changed resources</summary>", "", "```diff", ...listed, "```", "", "</details>", ""].join("\n");
}
