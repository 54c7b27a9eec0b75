/**
 * Ruby's File.fnmatch with FNM_PATHNAME | FNM_DOTMATCH | FNM_EXTGLOB, the way GitLab matches `rules:changes`. With
 * FNM_PATHNAME a `*` never crosses `/`, and `**` reaches into subdirectories only as `**\/`. So a trailing
 * `dir/**` is `dir/*`, one level, and `dir/**\/*` is recursive. Test-only: the product never matches GitLab paths
 * itself. It renders patterns, and this checks them the way GitLab reads them.
 */
export function rubyFnmatch(pattern: string, path: string): boolean {
  return toRegExp(pattern).test(path);
}

function toRegExp(pattern: string): RegExp {
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (pattern.startsWith("**/", i)) {
      // Zero or more whole directories.
      out += "(?:[^/]*/)*";
      i += 2;
    } else if (c === "*") {
      while (pattern[i + 1] === "*") i++;
      out += "[^/]*";
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "{") {
      const end = pattern.indexOf("}", i);
      out += `(?:${pattern.slice(i + 1, end).split(",").map((alt) => toRegExp(alt).source.slice(1, -1)).join("|")})`;
      i = end;
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${out}$`);
}
