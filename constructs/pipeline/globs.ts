/** Path globs as CI path filters read them: `**` crosses directories, `*` does not, everything else is literal. */
export function globToRegExp(glob: string): RegExp {
  const pattern = glob
    .split("**")
    .map((part) => part.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*"))
    .join(".*");
  return new RegExp(`^${pattern}$`);
}

export function matchesAny(globs: readonly string[], file: string): boolean {
  return globs.some((glob) => globToRegExp(glob).test(file));
}
