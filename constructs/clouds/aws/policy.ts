/** IAM policy documents as data, shared by the node roles (iam.ts), the pipeline's identities and the credentials. */

export interface PolicyStatement {
  /** Every statement of the identity stack's policies names itself; the node roles' first statement does not. */
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?: Readonly<Record<string, string>>;
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export type PolicyDocument = { readonly Version: "2012-10-17"; readonly Statement: readonly PolicyStatement[] };

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: "2012-10-17", Statement: statements };
}
