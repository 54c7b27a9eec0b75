/** Stack IDs, which are also what `cdktf deploy <stack>` takes. */
export const stackIds = {
  state: "state",
  ci: "ci",
  cluster: (env: string) => `${env}-cluster`,
  dns: (env: string) => `${env}-dns`,
};
