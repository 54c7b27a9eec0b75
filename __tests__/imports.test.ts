/**
 * Provider classes are imported per resource: the barrel of @cdktf/provider-aws alone costs seconds to load
 * and hundreds of MB to type-check, measured on this project.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../config/load";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "node_modules" || entry === "cdktf.out" || entry.startsWith(".") ? [] : sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

test("every provider import names one resource module, never a package barrel", () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(PROJECT_ROOT)) {
    for (const [, module] of readFileSync(file, "utf8").matchAll(/from\s+"(@cdktf\/provider-[^"]+)"/g)) {
      if (!/^@cdktf\/provider-[a-z]+\/lib\/[a-z0-9-]+$/.test(module) || module.endsWith("/index")) {
        offenders.push(`${path.relative(PROJECT_ROOT, file)}: ${module}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});
