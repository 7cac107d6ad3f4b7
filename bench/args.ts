/** The bench scripts' command-line options: `--name value`. */

const argv = process.argv.slice(2);

/** The value after `name`, if given. */
export function option(name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export function numberOption(name: string, fallback: number): number {
  const value = option(name);
  return value === undefined ? fallback : Number(value);
}
