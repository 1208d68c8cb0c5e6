// `vigil serve`: the HTTP API, ingest listeners, detection and response workers until SIGTERM/SIGINT.
// --roles runs a subset, so several processes sharing one Redis and one store split the work.
import { loadConfig } from '../../core/config.ts';
import { VigilError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { version } from '../version.ts';
import { allRoles, type ServerRole, startServer } from '../compose.ts';
import type { Command } from './types.ts';

/**
 * Reads `--roles ingest,detect,…` (commas and/or spaces; order and repeats do not matter) into
 * the roles in their canonical order. Throws CLI_USAGE naming the flag and the bad entry.
 */
export function parseRoles(text: string | undefined): ServerRole[] {
  if (text === undefined) return [...allRoles];
  const names = text
    .split(/[\s,]+/)
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '');
  if (names.length === 0) {
    throw new VigilError('CLI_USAGE', `--roles: empty list (give one or more of ${allRoles.join(', ')})`, { source: 'argv', path: '--roles' });
  }
  for (const n of names) {
    if (!(allRoles as readonly string[]).includes(n)) {
      throw new VigilError('CLI_USAGE', `--roles: unknown role '${n}' in '${text}' (known: ${allRoles.join(', ')})`, { source: 'argv', path: '--roles' });
    }
  }
  return allRoles.filter((r) => names.includes(r));
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Vigil server: HTTP API, ingest, detection and response (--roles runs a subset)',
  usage: 'serve [--host H] [--port N] [--config FILE] [--roles ingest,detect,respond,api]',
  options: {
    roles: {
      type: 'string',
      description: 'What this process runs: ingest, detect, respond, api, comma-separated (default: all; a subset needs VIGIL_REDIS_URL to share the work)',
      valueName: 'LIST',
    },
    host: { type: 'string', description: 'Listen address (VIGIL_HOST, default 127.0.0.1)', valueName: 'H' },
    port: { type: 'string', description: 'Listen port (VIGIL_PORT, default 8080)', valueName: 'N' },
    config: { type: 'string', description: 'YAML configuration file (VIGIL_CONFIG)', valueName: 'FILE' },
  },
  positionals: 'none',
  async run({ values }, io) {
    let roles: ServerRole[];
    try {
      roles = parseRoles(values.roles as string | undefined);
    } catch (err) {
      io.stderr.write(`vigil serve: ${(err as Error).message}\n`);
      return 2;
    }
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({
        env: io.env,
        file: values.config as string | undefined,
        overrides: { host: values.host as string | undefined, port: values.port as string | undefined },
      });
    } catch (err) {
      io.stderr.write(`vigil: configuration error: ${(err as Error).message}\n`);
      return 1;
    }
    const missing = allRoles.filter((r) => !roles.includes(r));
    if (missing.length > 0 && !config.redisUrl) {
      // Without Redis the queues live in this process: no other process can pick up the rest.
      io.stderr.write(
        `vigil serve: warning: --roles ${roles.join(',')} without VIGIL_REDIS_URL: the queues are not shared, so ${missing.join(', ')} run${missing.length === 1 ? 's' : ''} nowhere for this process's work\n`,
      );
    }
    const logger = createLogger({ level: config.logLevel });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config, logger, {
        version,
        roles,
        onBootstrapKey(key, generated) {
          if (generated) {
            io.stderr.write(
              `\nCreated the first admin API key. It is shown only this once; store it now:\n\n    ${key}\n\nUse it as "Authorization: Bearer <key>" and create more keys with "vigil keys create".\n\n`,
            );
          } else {
            io.stderr.write('Created the first admin API key from VIGIL_BOOTSTRAP_ADMIN_KEY.\n');
          }
        },
      });
    } catch (err) {
      const prefix = err instanceof VigilError && err.code.startsWith('CONFIG') ? 'configuration error' : 'cannot start';
      io.stderr.write(`vigil: ${prefix}: ${(err as Error).message}\n`);
      logger.flush();
      return 1;
    }
    // Handlers first: a supervisor may signal as soon as it reads the start-up line, and a SIGTERM
    // before them would kill the process without the graceful drain.
    const stopped = new Promise<void>((resolve) => {
      const onSignal = (sig: NodeJS.Signals) => {
        logger.info({ signal: sig }, 'signal received');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        server.stop().then(resolve, (err) => {
          logger.error({ err }, 'error during shutdown');
          resolve();
        });
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    io.stderr.write(`Vigil ${version} listening on ${server.url} (roles: ${roles.join(',')}; store: ${config.store}, data: ${config.dataDir})\n`);
    await stopped;
    logger.flush();
    return 0;
  },
};
