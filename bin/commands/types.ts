// The contract of a `vigil` subcommand. bin/commands/index.ts lists them; bin/cli.ts parses
// argv with node:util parseArgs against `options` and calls `run`.
import type { Readable, Writable } from 'node:stream';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  description: string;
  /** Shown in --help, e.g. 'N' for --port N. */
  valueName?: string;
}

export interface CommandIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal: show progress bars there. */
  isTTY: boolean;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface Command {
  /** 'serve', 'hunt', or a two-word name such as 'rules validate'. */
  readonly name: string;
  readonly summary: string;
  /** Usage line after 'vigil ', e.g. 'hunt --rules <path>... --events <file>... [--json]'. */
  readonly usage: string;
  readonly options: Record<string, OptionSpec>;
  readonly positionals: 'none' | 'some';
  /** Returns the process exit code: 0 ok, 1 the work found a problem, 2 usage error. */
  run(args: ParsedArgs, io: CommandIo): Promise<number>;
}
