// Prints the API routes (method, path, roles, summary) as a Markdown table from the OpenAPI
// document of a fully wired server: `node --import tsx scripts/api-table.ts` (README's API section).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../bin/compose.ts';
import { loadConfig } from '../core/config.ts';
import { createLogger } from '../core/logging.ts';

export interface ApiRow {
  method: string;
  path: string;
  roles: string;
  summary: string;
}

export async function apiRows(): Promise<ApiRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const config = loadConfig({
    env: {
      VIGIL_DATA_DIR: dataDir,
      VIGIL_PORT: '0',
      VIGIL_BOOTSTRAP_ADMIN_KEY: 'api-table-key-0123456789abcdef',
      VIGIL_DETECTION_RULES: fileURLToPath(new URL('../rules/sigma/vigil', import.meta.url)),
    },
  });
  const server = await startServer(config, createLogger({ level: 'silent' }), { version: 'docs' });
  try {
    const doc = server.app.swagger() as { paths: Record<string, Record<string, { summary?: string; description?: string }>> };
    const rows: ApiRow[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const roles = /Roles: ([^.]*)\./.exec(op.description ?? '')?.[1] ?? 'public';
        rows.push({ method: method.toUpperCase(), path, roles: path.startsWith('/api/v1/webhooks/in/') ? 'none (the source\'s signature)' : roles, summary: op.summary ?? '' });
      }
    }
    return rows;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const r of await apiRows()) console.log(`| \`${r.method} ${r.path}\` | ${r.roles} | ${r.summary.replace(/\|/g, '\\|')} |`);
}
