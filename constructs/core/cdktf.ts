/**
 * The one module that imports the CDK for Terraform core library. Everything else takes these symbols from here,
 * so moving to a compatible fork (CDK Terrain, `cdktn`) is a package swap plus this file. Provider classes are
 * imported per resource where they are used, as before.
 */
export { App, Fn, GcsBackend, HttpBackend, LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
