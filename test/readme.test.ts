// The README's reference tables are generated from the code (scripts/readme-tables.ts,
// scripts/api-table.ts); these checks fail when a setting, error code, command or route is added
// without the README saying so.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commands } from '../bin/commands/index.ts';
import { settings } from '../core/config.ts';
import { errorStatus } from '../core/errors.ts';
import { apiRows } from '../scripts/api-table.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('shows the two set-up commands and the test command', () => {
    expect(readme).toMatch(/```sh\nnpm install\nnpm start\n```/);
    expect(readme).toContain('npm test');
  });

  it('lists every setting with its environment variable and default', () => {
    const missing = settings.filter((s) => {
      const d = s.default === undefined ? '—' : `\`${typeof s.default === 'object' ? JSON.stringify(s.default) : String(s.default)}\``;
      return !readme.includes(`| \`${s.key}\` | \`${s.env}\` | ${d} |`);
    });
    expect(missing.map((s) => s.key)).toEqual([]);
  });

  it('lists every error code with its HTTP status', () => {
    const missing = Object.entries(errorStatus).filter(([code, status]) => !readme.includes(`| \`${code}\` | ${status} |`));
    expect(missing).toEqual([]);
  });

  it('lists every command', () => {
    expect(commands.filter((c) => !readme.includes(`vigil ${c.usage.replace(/\|/g, '\\|')}`)).map((c) => c.name)).toEqual([]);
  });

  it('lists every API route', async () => {
    const rows = await apiRows();
    expect(rows.filter((r) => !readme.includes(`\`${r.method} ${r.path}\``)).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  }, 60_000);
});
