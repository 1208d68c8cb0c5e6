// `vigil keys create|list|revoke`: manage API keys directly in the configured store
// (works while the server runs; changes are audited with the operating-system user as actor).
import { userInfo } from 'node:os';
import { ApiKeyService, keyView } from '../../core/auth/api-keys.ts';
import { loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logging.ts';
import { checkDataDir } from '../../core/services/check.ts';
import { type Role, roles, type StorageEngine } from '../../core/storage/types.ts';
import { openStore } from '../compose.ts';
import type { Command, CommandIo, ParsedArgs } from './types.ts';

const configOption = { config: { type: 'string', description: 'YAML configuration file (VIGIL_CONFIG)', valueName: 'FILE' } } as const;

async function withStore<T>(args: ParsedArgs, io: CommandIo, fn: (store: StorageEngine, keys: ApiKeyService) => Promise<T>): Promise<T> {
  const config = loadConfig({ env: io.env, file: args.values.config as string | undefined });
  checkDataDir(config);
  const store = openStore(config, createLogger({ level: 'warn' }));
  try {
    return await fn(store, new ApiKeyService(store.keys));
  } finally {
    await store.close();
  }
}

function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export const keysCreateCommand: Command = {
  name: 'keys create',
  summary: 'Create an API key with a role (prints the key once)',
  usage: 'keys create --role <admin|analyst|responder|compliance|ingest> --name <name> [--json]',
  options: {
    role: { type: 'string', description: `Role: ${roles.join(', ')}`, valueName: 'R' },
    name: { type: 'string', description: 'Who or what the key is for', valueName: 'N' },
    json: { type: 'boolean', description: 'Print the key record as JSON' },
    ...configOption,
  },
  positionals: 'none',
  async run(args, io) {
    const role = args.values.role as string | undefined;
    const name = args.values.name as string | undefined;
    if (!role || !roles.includes(role as Role)) {
      io.stderr.write(`vigil keys create: --role must be one of ${roles.join(', ')}${role ? ` (got "${role}")` : ''}\n`);
      return 2;
    }
    if (!name) {
      io.stderr.write('vigil keys create: --name is required (who or what the key is for)\n');
      return 2;
    }
    return withStore(args, io, async (store, keys) => {
      const actor = cliActor();
      const { record, key } = await keys.create({ name, role: role as Role, createdBy: actor });
      await store.audit.append({ actor, action: 'keys.create', target: `key:${record.id}`, after: keyView(record) });
      if (args.values.json) io.stdout.write(`${JSON.stringify({ ...keyView(record), key })}\n`);
      else io.stdout.write(`Created ${role} key "${name}" (id ${record.id}). It is shown only once:\n${key}\n`);
      return 0;
    });
  },
};

export const keysListCommand: Command = {
  name: 'keys list',
  summary: 'List API keys (id, name, role, created, revoked; never the keys)',
  usage: 'keys list [--json]',
  options: { json: { type: 'boolean', description: 'One JSON object per line' }, ...configOption },
  positionals: 'none',
  async run(args, io) {
    return withStore(args, io, async (_store, keys) => {
      const list = (await keys.list()).map(keyView);
      if (args.values.json) {
        for (const k of list) io.stdout.write(`${JSON.stringify(k)}\n`);
        return 0;
      }
      const rows = [['ID', 'NAME', 'ROLE', 'PREFIX', 'CREATED', 'STATUS']];
      for (const k of list) rows.push([k.id, k.name, k.role, k.prefix, k.createdAt, k.revokedAt ? `revoked ${k.revokedAt}` : 'active']);
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) io.stdout.write(`${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
      return 0;
    });
  },
};

export const keysRevokeCommand: Command = {
  name: 'keys revoke',
  summary: 'Revoke an API key by id',
  usage: 'keys revoke <id>',
  options: { ...configOption },
  positionals: 'some',
  async run(args, io) {
    if (args.positionals.length !== 1) {
      io.stderr.write('vigil keys revoke: give exactly one key id (see "vigil keys list")\n');
      return 2;
    }
    const id = args.positionals[0];
    return withStore(args, io, async (store, keys) => {
      const before = (await keys.list()).find((k) => k.id === id);
      if (!before) {
        io.stderr.write(`vigil keys revoke: no key with id ${id}\n`);
        return 1;
      }
      const record = await keys.revoke(id);
      await store.audit.append({ actor: cliActor(), action: 'keys.revoke', target: `key:${id}`, before: keyView(before), after: keyView(record) });
      io.stdout.write(`Revoked key ${id} ("${record.name}")\n`);
      return 0;
    });
  },
};
