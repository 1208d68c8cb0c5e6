// The `vigil` command line: global flags, subcommand lookup (one or two words), strict option
// parsing. Exit codes: 0 ok, 1 the command found a problem, 2 usage error.
import { parseArgs } from 'node:util';
import { commands } from './commands/index.ts';
import type { Command, CommandIo } from './commands/types.ts';
import { version } from './version.ts';

function optionHelp(cmd: Command): string {
  const lines = Object.entries(cmd.options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : ''}`;
    return `  ${flag.padEnd(30)} ${o.description}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return lines.join('\n');
}

function commandHelp(cmd: Command): string {
  const opts = optionHelp(cmd);
  return `Usage: vigil ${cmd.usage}\n\n${cmd.summary}\n${opts ? `\nOptions:\n${opts}\n` : ''}  ${'-h, --help'.padEnd(30)} Show this help\n`;
}

export function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const list = commands.map((c) => `  ${c.name.padEnd(width)} ${c.summary}`).join('\n');
  return `Vigil ${version} — security operations centre backend

Usage: vigil <command> [options]

Commands:
${list}

Global options:
  -h, --help        Show help (vigil <command> --help for a command's options)
  -v, --version     Print the version
  --config <file>   YAML configuration file (also VIGIL_CONFIG)

Settings come from defaults < the YAML file < VIGIL_* environment variables < flags.
`;
}

function findCommand(argv: string[]): { cmd: Command; rest: string[] } | undefined {
  const two = argv.length >= 2 ? `${argv[0]} ${argv[1]}` : undefined;
  const byTwo = two ? commands.find((c) => c.name === two) : undefined;
  if (byTwo) return { cmd: byTwo, rest: argv.slice(2) };
  const byOne = commands.find((c) => c.name === argv[0]);
  if (byOne) return { cmd: byOne, rest: argv.slice(1) };
  return undefined;
}

export function defaultIo(): CommandIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

function usageError(io: CommandIo, message: string, hint: string): number {
  io.stderr.write(`vigil: ${message}\n${hint}\n`);
  return 2;
}

export async function main(argv: string[], io: CommandIo = defaultIo()): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    if (argv[0] === 'help' && argv.length > 1) {
      const found = findCommand(argv.slice(1));
      if (found) {
        io.stdout.write(commandHelp(found.cmd));
        return 0;
      }
    }
    io.stdout.write(generalHelp());
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === '-v') {
    io.stdout.write(`vigil ${version}\n`);
    return 0;
  }
  // A global --config before the command applies to it too.
  let config: string | undefined;
  if (argv[0] === '--config') {
    config = argv[1];
    if (!config) return usageError(io, 'option --config needs a file', 'Run "vigil --help" for usage.');
    argv = argv.slice(2);
  } else if (argv[0].startsWith('--config=')) {
    config = argv[0].slice('--config='.length);
    argv = argv.slice(1);
  }
  if (argv[0]?.startsWith('-')) return usageError(io, `unknown option '${argv[0]}'`, 'Run "vigil --help" for usage.');
  const found = findCommand(argv);
  if (!found) {
    const known = commands.map((c) => c.name).join(', ');
    return usageError(io, `unknown command '${argv.slice(0, 2).join(' ')}'`, `Known commands: ${known}. Run "vigil --help".`);
  }
  const { cmd, rest } = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(cmd));
    return 0;
  }
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, o] of Object.entries(cmd.options)) {
    options[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) };
  }
  if (!('config' in options)) options.config = { type: 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: cmd.positionals === 'some', strict: true });
  } catch (err) {
    const message = (err as Error).message.replace(/\. To specify a positional.*$/s, '');
    return usageError(io, `${cmd.name}: ${message}`, `Usage: vigil ${cmd.usage}\nRun "vigil ${cmd.name} --help" for the options.`);
  }
  const values = parsed.values as Record<string, string | boolean | string[] | boolean[] | undefined>;
  if (config !== undefined && values.config === undefined) values.config = config;
  try {
    return await cmd.run({ values, positionals: parsed.positionals }, io);
  } catch (err) {
    io.stderr.write(`vigil ${cmd.name}: ${(err as Error).message}\n`);
    return 1;
  }
}
