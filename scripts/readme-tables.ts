// Prints the README's generated reference tables from the code that defines them:
// `node --import tsx scripts/readme-tables.ts config|errors|commands`. test/readme.test.ts checks
// that the README still lists every setting, error code, command and route.
import { fileURLToPath } from 'node:url';
import { commands } from '../bin/commands/index.ts';
import { settings } from '../core/config.ts';
import { errorStatus } from '../core/errors.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function configTable(): string {
  const rows = settings.map((s) => {
    const d = s.default === undefined ? '—' : `\`${typeof s.default === 'object' ? JSON.stringify(s.default) : String(s.default)}\``;
    return `| \`${s.key}\` | \`${s.env}\` | ${d} | ${cell(s.description)} |`;
  });
  return ['| setting (YAML key) | environment variable | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function errorTable(): string {
  const rows = Object.entries(errorStatus).map(([code, status]) => `| \`${code}\` | ${status} |`);
  return ['| code | HTTP status |', '| --- | --- |', ...rows].join('\n');
}

export function commandTable(): string {
  return commands.map((c) => `| \`vigil ${cell(c.usage)}\` | ${cell(c.summary)} |`).join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const which = process.argv[2];
  console.log(which === 'errors' ? errorTable() : which === 'commands' ? commandTable() : configTable());
}
