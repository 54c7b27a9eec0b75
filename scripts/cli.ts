/** What every project script does with `--help` or `-h`: prints its usage on stdout and exits 0, doing nothing else. */
export function exitWithUsageIfAsked(usage: string, args: readonly string[] = process.argv.slice(2)): void {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${usage.trimEnd()}\n`);
    process.exit(0);
  }
}
