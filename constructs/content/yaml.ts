/** Deterministic YAML for generated files: one document per object, keys in the order the code writes them. */
import { stringify } from "yaml";

/** A Kubernetes-style object as plain data. */
export type Manifest = Record<string, unknown>;

/** `header` (the generated-file marker) followed by each object as its own YAML document. */
export function renderYaml(header: string, objects: readonly Manifest[]): string {
  const documents = objects.map((object) => stringify(object, { lineWidth: 0, indentSeq: true, aliasDuplicateObjects: false }));
  return header + documents.map((doc, index) => (index === 0 && objects.length === 1 ? doc : `---\n${doc}`)).join("");
}
