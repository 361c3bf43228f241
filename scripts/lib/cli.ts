/**
 * `--help` (or `-h`) on a script's command line: prints its usage on standard output and exits 0.
 * Every script calls this first, before it reads other arguments or starts anything.
 */
export function exitWithHelpIfAsked(usage: string, args: readonly string[] = process.argv.slice(2)): void {
  if (!args.includes('--help') && !args.includes('-h')) return;
  console.log(usage);
  process.exit(0);
}
