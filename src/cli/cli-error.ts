/** A failure the CLI reports as plain lines (no stack) and exit code 1. */
export class CliError extends Error {
  readonly lines: string[];
  constructor(lines: string[] | string) {
    const list = Array.isArray(lines) ? lines : [lines];
    super(list.join('\n'));
    this.lines = list;
  }
}
