/**
 * The pipeline on GitLab (examples/aws-gitlab.yaml): `.gitlab-ci.yml` as gitlab-ci-local reads it (GitLab's
 * JSON schema, and the jobs it creates for a merge request and for pushes to main that change different
 * files), state in GitLab's managed Terraform backend, and the GitLab stack.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../config/load";
import { rubyFnmatch } from "./fnmatch";
import { installationOf, pipelineOf } from "../config/installation";
import { GITLAB_CI_PATH } from "../constructs/ci/gitlab/gitlab-ci";
import { SEED_JOB_IDS } from "../constructs/core/pipeline-model";
import { repositoryFiles } from "../config/repository-files";
import { configErrorFor, configFrom, dataSources, resources, synthAll } from "./helpers";
import { testDir } from "./test-dirs";

const CONFIG_FILE = "examples/aws-gitlab.yaml";
const exampleText = readFileSync(path.join(PROJECT_ROOT, CONFIG_FILE), "utf8");
const config = configFrom(undefined, exampleText);
const files = repositoryFiles(installationOf({ config, configFile: CONFIG_FILE }));
const ciText = files.get(GITLAB_CI_PATH)!;
const ci = parse(ciText);
const ci_yaml = () => ci;
const GITLAB_CI_LOCAL = path.join(PROJECT_ROOT, "node_modules", ".bin", "gitlab-ci-local");

/**
 * The jobs gitlab-ci-local creates for an event, in a git repository where `origin/main` is the commit before the
 * push and the push changed `changed` (gitlab-ci-local evaluates `rules:changes` against origin/main).
 */
function gitlabJobs(text: string, source: "merge_request_event" | "push" | "web", changed: string[] = [], extra: Record<string, string> = {}) {
  const repo = testDir("kkp-gitlab-");
  const git = (...args: string[]) => spawnSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: repo, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, GITLAB_CI_PATH), text);
  git("add", "-A");
  git("commit", "-q", "-m", "base");
  git("update-ref", "refs/remotes/origin/main", "HEAD");
  for (const file of changed) {
    mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    writeFileSync(path.join(repo, file), "changed\n");
  }
  git("add", "-A");
  git("commit", "-q", "-m", "change", "--allow-empty");
  const variables = [
    "--variable",
    `CI_PIPELINE_SOURCE=${source}`,
    ...(source !== "merge_request_event" ? ["--variable", "CI_COMMIT_BRANCH=main"] : []),
    ...Object.entries(extra).flatMap(([name, value]) => ["--variable", `${name}=${value}`]),
  ];
  const run = spawnSync(GITLAB_CI_LOCAL, ["--list-csv", ...variables], { cwd: repo, encoding: "utf8" });
  const jobs = run.stdout
    .trim()
    .split("\n")
    .slice(1)
    .filter((line) => line.length > 0)
    .map((line) => line.split(";")[0]);
  return { status: run.status, stderr: run.stderr, jobs };
}

/** Whether GitLab's `changes` patterns match one of `changed`, with GitLab's own glob semantics (Ruby fnmatch). */
const changesMatch = (patterns: readonly string[], changed: string[]) => changed.some((file) => patterns.some((p) => rubyFnmatch(p, file)));

/** Whether GitLab creates a pipeline for a push to main changing `changed` (the workflow rule's `changes`). */
function pipelineRuns(changed: string[]): boolean {
  const pushRule = ci.workflow.rules.find((rule: any) => String(rule.if).includes('"push"'));
  return changesMatch(pushRule.changes, changed);
}

/** Whether a job's push rule admits a push to main changing `changed`. */
function jobRunsOnPush(job: string, changed: string[]): boolean {
  const rule = ci[job].rules.find((r: any) => String(r.if).includes('"push"'));
  return rule.changes === undefined || changesMatch(rule.changes, changed);
}

describe("GitLab's glob semantics (File.fnmatch with FNM_PATHNAME)", () => {
  test("the stand-in matcher reads patterns as GitLab does: a trailing dir/** is one level, dir/**/* is recursive", () => {
    expect(rubyFnmatch("constructs/**", "constructs/names.ts")).toBe(true);
    expect(rubyFnmatch("constructs/**", "constructs/clouds/aws/cluster.ts")).toBe(false);
    expect(rubyFnmatch("constructs/**/*", "constructs/clouds/aws/cluster.ts")).toBe(true);
    expect(rubyFnmatch("constructs/**/*", "constructs/names.ts")).toBe(true);
    expect(rubyFnmatch("*.ts", "stacks/ci-stack.ts")).toBe(false);
    expect(rubyFnmatch("{a,b}/*", "b/x")).toBe(true);
  });

  test("a push changing a file deep below a watched directory starts the pipeline and the jobs that watch it", () => {
    expect(pipelineRuns(["constructs/clouds/aws/cluster.ts"])).toBe(true);
    expect(pipelineRuns(["kubermatic/prod/values.yaml"])).toBe(true);
    expect(pipelineRuns(["config/settings/schema.ts"])).toBe(true);
    expect(jobRunsOnPush("kubeone-apply", ["constructs/clouds/aws/cluster.ts"])).toBe(true);
    expect(jobRunsOnPush("kubeone-apply", ["kubeone/kubeone.yaml"])).toBe(true);
    expect(jobRunsOnPush("kubeone-apply", ["kubermatic/prod/values.yaml"])).toBe(false);
  });

  test("no rendered pattern ends in a bare /**, which GitLab would read as one level", () => {
    const patterns = [
      ...ci.workflow.rules.flatMap((r: any) => r.changes ?? []),
      ...Object.values<any>(ci).flatMap((job) => (Array.isArray(job?.rules) ? job.rules.flatMap((r: any) => r.changes ?? []) : [])),
    ];
    expect(patterns.length).toBeGreaterThan(0);
    expect(patterns.filter((p: string) => p.endsWith("/**"))).toEqual([]);
  });
});

describe("the .gitlab-ci.yml of the GitLab example", () => {
  test("installs npm packages without lifecycle scripts in every job that can mint a cloud token", () => {
    const jobs = Object.entries<any>(ci).filter(([, job]) => job.id_tokens);
    expect(jobs.length).toBeGreaterThan(0);
    for (const [id, job] of jobs) {
      const scripts = job.script.join("\n").match(/npm ci[^\n]*/g) ?? [];
      expect({ id, scripts }).toEqual({ id, scripts: scripts.length > 0 ? ["npm ci --ignore-scripts --no-audit --no-fund"] : [] });
    }
  });

  test("passes gitlab-ci-local's validation against GitLab's CI schema", () => {
    const run = gitlabJobs(ciText, "merge_request_event");
    expect(run.status).toBe(0);
    expect(run.stderr).toContain("json schema validated");
  });

  test("the schema check can fail: an unknown job key is rejected", () => {
    const run = gitlabJobs(ciText.replace("  stage: terraform-plan\n", "  stage: terraform-plan\n  bogus_key: 1\n"), "merge_request_event");
    expect(run.status).not.toBe(0);
    expect(run.stderr + run.jobs.join()).toContain("'bogus_key' property is not expected to be here");
  });

  test("a merge request runs validate and plan, with the job names used on GitHub", () => {
    expect(gitlabJobs(ciText, "merge_request_event").jobs).toEqual(["terraform-kkp-validate", "terraform-kkp-dns-validate", "terraform-plan"]);
  });

  test("a push to main changing the infrastructure runs the whole chain; GitLab keeps the state, so there is no backend-prepare", () => {
    expect(pipelineRuns(["constructs/aws/cluster.ts"])).toBe(true);
    const chain = SEED_JOB_IDS.filter((id) => id !== "terraform-backend-prepare");
    const jobs = gitlabJobs(ciText, "push", ["constructs/aws/cluster.ts"]).jobs;
    // The approval gate comes right before the first deploy job.
    expect(jobs).toEqual([...chain.slice(0, 3), "approve-prod", ...chain.slice(3)]);
  });

  test("a run by hand on main (Run pipeline) deploys the whole chain, whatever changed", () => {
    const chain = SEED_JOB_IDS.filter((id) => id !== "terraform-backend-prepare");
    expect(gitlabJobs(ciText, "web").jobs).toEqual([...chain.slice(0, 3), "approve-prod", ...chain.slice(3)]);
  });

  test("with KKP_TEARDOWN_CONFIRM set to the environment, a run by hand tears it down, after the approval, and nothing else", () => {
    // Its own approval, which approvers cannot mistake for a deployment's.
    expect(gitlabJobs(ciText, "web", [], { KKP_TEARDOWN_CONFIRM: "prod" }).jobs).toEqual(["approve-prod-teardown", "teardown"]);
    expect(ci["approve-prod-teardown"]).toMatchObject({ environment: { name: "prod", action: "start" }, script: ['echo "Teardown of prod approved."'] });
    // Any other value creates no teardown (and no deployment): the job's rule names the environment.
    expect(gitlabJobs(ciText, "web", [], { KKP_TEARDOWN_CONFIRM: "prd" }).jobs).toEqual([]);
    // Never on a merge request or a push.
    expect(gitlabJobs(ciText, "push", ["constructs/aws/cluster.ts"]).jobs).not.toContain("teardown");
    expect(ci.teardown).toMatchObject({
      stage: "teardown",
      needs: [{ job: "approve-prod-teardown", artifacts: false }],
      environment: { name: "prod", action: "access" },
      resource_group: "kkp-prod",
      timeout: "120m",
    });
    expect(ci.teardown.script.join("\n")).toContain("bash scripts/teardown.sh confirm prod");
  });

  test("a push changing only kubermatic/ runs from kkp-deploy on; one changing only kubeone/ from kubeone-apply", () => {
    expect(gitlabJobs(ciText, "push", ["kubermatic/prod/values.yaml"]).jobs).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "approve-prod",
      "kkp-deploy",
      "flux-bootstrap",
      "dns-update",
    ]);
    expect(gitlabJobs(ciText, "push", ["kubeone/kubeone.yaml"]).jobs).toEqual([
      "terraform-kkp-validate",
      "terraform-kkp-dns-validate",
      "approve-prod",
      "kubeone-apply",
      "kkp-deploy",
      "flux-bootstrap",
      "dns-update",
    ]);
  });

  test("a push changing nothing the pipeline cares about creates no pipeline", () => {
    expect(pipelineRuns(["README.md", "flux/clusters/prod/kkp/parts/platform/seed.yaml"])).toBe(false);
    expect(pipelineRuns([".gitlab-ci.yml"])).toBe(true);
  });

  test("soft dependencies are optional needs, so a predecessor left out by its rules does not block", () => {
    expect(ci["kubeone-apply"].needs).toEqual([
      { job: "approve-prod", artifacts: false },
      { job: "terraform-kkp-validate", artifacts: false },
      { job: "terraform-apply", optional: true, artifacts: false },
    ]);
    // apply takes the saved plan from the plan job of the same pipeline.
    expect(ci["terraform-apply"].needs).toContainEqual({ job: "terraform-plan", artifacts: true });
    expect(ci["terraform-plan"].artifacts).toEqual({
      paths: ["cdktf.out/stacks/prod-cluster/", "plan-summary.md"],
      exclude: ["cdktf.out/stacks/prod-cluster/.terraform/**"],
      expire_in: "7 days",
      access: "developer",
    });
    // A merge request's plan is not kept: it would hold planned values in clear text.
    expect(ci["terraform-plan"].script.at(-1)).toBe('if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then rm -rf cdktf.out/stacks/prod-cluster; fi');
    expect(ci["terraform-plan"].rules[0]).toEqual({ if: '$CI_PIPELINE_SOURCE == "merge_request_event"', variables: { TF_CLI_ARGS_plan: "-lock=false" } });
  });

  test("apply-and-later jobs access the environment behind one approval job, serialized per environment", () => {
    for (const id of ["terraform-apply", "kubeone-apply", "kkp-deploy", "flux-bootstrap", "dns-update"]) {
      expect(ci[id]).toMatchObject({ environment: { name: "prod", action: "access" }, resource_group: "kkp-prod" });
      expect(ci[id].needs[0]).toEqual({ job: "approve-prod", artifacts: false });
    }
    // The deployment approvers approve: it runs on every push to main that creates a pipeline.
    // By hand on main too: to deploy everything, or with the confirmation, to tear down.
    expect(ci["approve-prod"]).toMatchObject({
      environment: { name: "prod", action: "start" },
      rules: [
        { if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == "main"' },
        { if: '$CI_PIPELINE_SOURCE == "web" && $CI_COMMIT_BRANCH == "main" && $KKP_TEARDOWN_CONFIRM == null' },
      ],
    });
    for (const id of ["terraform-kkp-validate", "terraform-plan"]) expect(ci[id]).not.toHaveProperty("environment");
  });

  test("jobs reach AWS with GitLab's OIDC id token, and the state with the job token", () => {
    expect(ci["terraform-plan"].id_tokens).toEqual({ KKP_OIDC_TOKEN: { aud: "sts.amazonaws.com" } });
    const plan = ci["terraform-plan"].script.join("\n");
    expect(plan).toContain("export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/kkp-plan-8a1c3f");
    expect(ci["terraform-apply"].script.join("\n")).toContain("export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/kkp-prod-apply-8a1c3f");
    expect(plan).toContain('export AWS_WEB_IDENTITY_TOKEN_FILE="$oidc_token_file"');
    expect(ci.variables).toMatchObject({ TF_HTTP_USERNAME: "gitlab-ci-token", TF_HTTP_PASSWORD: "$CI_JOB_TOKEN" });
    expect(ci["terraform-kkp-validate"]).not.toHaveProperty("id_tokens");
  });

  test("flux bootstrap uses GitLab's bootstrap command for the project's group and name", () => {
    expect(ci["flux-bootstrap"].script.join("\n")).toContain(
      'GITLAB_TOKEN="$FLUX_GITLAB_TOKEN" flux bootstrap gitlab --hostname=gitlab.com --owner=platform-team --repository=kkp-gitops --branch=main --path=flux/clusters/prod --personal=false',
    );
  });
});

describe("state and stacks with GitLab", () => {
  const stacks = synthAll(config, CONFIG_FILE);

  test("every stack keeps its state in GitLab's managed Terraform backend; no state bucket or state stack", () => {
    expect(Object.keys(stacks).sort()).toEqual(["ci", "identity", "prod-cluster", "prod-dns"]);
    for (const [id, stack] of Object.entries(stacks)) {
      // The ci stack's state holds the generated secrets: it lives in the project only maintainers belong to.
      const project = id === "ci" || id === "identity" ? "platform-team%2Fkkp-admin" : "platform-team%2Fkkp-gitops";
      const address = `https://gitlab.com/api/v4/projects/${project}/terraform/state/${id}`;
      expect(stack.terraform.backend.http).toEqual({ address, lock_address: `${address}/lock`, unlock_address: `${address}/lock`, lock_method: "POST", unlock_method: "DELETE", retry_wait_min: 5 });
    }
    // The only buckets are the identity stack's etcd backup buckets.
    expect(Object.entries(stacks).filter(([, stack]) => JSON.stringify(stack).includes("aws_s3_bucket\"")).map(([id]) => id)).toEqual(["identity"]);
    expect(resources(stacks.identity, "aws_s3_bucket").map((b) => b.bucket)).toEqual([expect.stringMatching(/^kkp-prod-etcd-[0-9a-f]{10}$/), expect.stringMatching(/^kkp-prod-clusters-[0-9a-f]{10}$/)]);
  });

  test("flux's notifications report commit statuses to the GitLab project", () => {
    const notifications = files.get("flux/clusters/prod/kkp/parts/notifications.yaml")!;
    expect(notifications).toContain("type: gitlab");
    expect(notifications).toContain("address: https://gitlab.com/platform-team/kkp-gitops");
    expect(notifications).not.toContain("githubdispatch");
  });

  test("several environments are refused for GitLab, with the reason", () => {
    expect(configErrorFor((c) => (c.environments = [{ name: "ops" }, { name: "apps" }]), exampleText)).toContain(
      "environments: lists 2 environments, but promotion across environments is built for ci.provider github only; with gitlab, deploy one environment per configuration",
    );
  });

  test("the CI stack has GitLab resources and none of GitHub's", () => {
    expect(resources(stacks.ci, "github_repository_file")).toEqual([]);
  });
});

describe("the GitLab stack", () => {
  const ci = synthAll(config, CONFIG_FILE).ci;

  test("commits the pipeline and every generated file to main, as text, without starting a pipeline", () => {
    const committed = resources(ci, "gitlab_repository_file");
    expect(committed.map((f) => f.file_path).sort()).toEqual([...files.keys()].sort());
    for (const file of committed) {
      expect(file).toMatchObject({ project: "platform-team/kkp-gitops", branch: "main", encoding: "text", overwrite_on_create: true });
      expect(file.commit_message).toContain("[skip ci]");
    }
    expect(ci.provider.gitlab).toEqual([{ base_url: "https://gitlab.com/api/v4" }]);
  });

  test("refuses to deploy when the project shares caches between protected and unprotected branches (every job restores the tools cache)", () => {
    const [settings, ...more] = Object.values<any>((ci.data as any).gitlab_project);
    expect(more).toEqual([]);
    expect(settings.path_with_namespace).toBe("platform-team/kkp-gitops");
    const [check] = settings.lifecycle.postcondition;
    expect(check.condition).toBe("${self.ci_separated_caches}");
    expect(check.error_message).toContain("Use separate caches for protected branches");
    // And the jobs' cache key carries the ref's protection, so merge requests never restore main's tools either way.
    const cached = Object.values<any>(ci_yaml()).filter((j) => j?.cache);
    expect(cached.length).toBeGreaterThan(0);
    for (const job of cached) {
      expect(job.cache.key).toMatch(/-protected-\$CI_COMMIT_REF_PROTECTED$/);
      expect(job.cache.unprotect).toBeUndefined();
    }
  });

  test("CI/CD variables: exactly the secrets the pipeline reads, protected, scoped to the environment, generated ones masked", () => {
    const variables = resources(ci, "gitlab_project_variable");
    const read = pipelineOf(installationOf({ config, configFile: CONFIG_FILE })).secrets.map((secret) => secret.name);
    expect([...new Set(variables.map((v) => v.key))].sort()).toEqual([...read].sort());
    for (const variable of variables) {
      expect(variable).toMatchObject({ protected: true, raw: true, environment_scope: "prod" });
      const generated = /^\$\{random_(password|uuid)\./.test(variable.value);
      const token = [
        "FLUX_GITLAB_TOKEN",
        "FLUX_NOTIFY_TOKEN",
        "KKP_PRESET_AWS_ACCESS_KEY_ID",
        "KKP_PRESET_AWS_SECRET_ACCESS_KEY",
        "KKP_USER_CLUSTER_BACKUP_ACCESS_KEY_ID",
        "KKP_USER_CLUSTER_BACKUP_SECRET_ACCESS_KEY",
      ].includes(variable.key);
      expect({ key: variable.key, masked: variable.masked }).toEqual({ key: variable.key, masked: token || (generated && !variable.value.includes("bcrypt_hash")) });
      if (!generated) expect(ci.variable![variable.value.slice(6, -1)]).toMatchObject({ sensitive: true });
    }
    expect(variables.map((v) => v.key).sort()).toEqual(
      expect.arrayContaining(["FLUX_GITLAB_TOKEN", "FLUX_NOTIFY_TOKEN", "KKP_ISSUER_CLIENT_SECRET", "KUBEONE_CREDENTIALS", "SSH_PRIVATE_KEY"]),
    );
  });

  test("a protected environment per infrastructure environment, with the configured approvers", () => {
    const [protectedEnv] = resources(ci, "gitlab_project_protected_environment");
    expect(protectedEnv.deploy_access_levels).toEqual([{ access_level: "maintainer" }]);
    expect(protectedEnv.approval_rules).toEqual([
      { user_id: expect.stringMatching(/data\.gitlab_user\.\S+\.user_id/), required_approvals: 1 },
      { group_id: expect.stringMatching(/data\.gitlab_group\.\S+\.group_id/), required_approvals: 1 },
    ]);
    // Usernames and subgroup paths as GitLab writes them.
    expect(dataSources(ci, "gitlab_user").map((u) => u.username)).toEqual(["alice"]);
    expect(dataSources(ci, "gitlab_group").map((g) => g.full_path)).toEqual(["platform-team/admins"]);
    expect(resources(ci, "gitlab_project_environment").map((e) => e.name)).toEqual(["prod"]);
  });

  test("protects main: no force pushes, maintainers merge (the pipeline on main writes state and deploys as the merger)", () => {
    expect(resources(ci, "gitlab_branch_protection")).toEqual([expect.objectContaining({ branch: "main", allow_force_push: false, merge_access_level: "maintainer" })]);
  });
});
