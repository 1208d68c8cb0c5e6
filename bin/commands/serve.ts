// `vigil serve`: the HTTP API (and, as later stages land, ingest listeners and workers) until SIGTERM/SIGINT.
import { loadConfig } from '../../core/config.ts';
import { VigilError } from '../../core/errors.ts';
import { createLogger } from '../../core/logging.ts';
import { version } from '../version.ts';
import { startServer } from '../compose.ts';
import type { Command } from './types.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the Vigil server (HTTP API on the configured store)',
  usage: 'serve [--host H] [--port N] [--config FILE]',
  options: {
    host: { type: 'string', description: 'Listen address (VIGIL_HOST, default 127.0.0.1)', valueName: 'H' },
    port: { type: 'string', description: 'Listen port (VIGIL_PORT, default 8080)', valueName: 'N' },
    config: { type: 'string', description: 'YAML configuration file (VIGIL_CONFIG)', valueName: 'FILE' },
  },
  positionals: 'none',
  async run({ values }, io) {
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
    const logger = createLogger({ level: config.logLevel });
    let server: Awaited<ReturnType<typeof startServer>>;
    try {
      server = await startServer(config, logger, {
        version,
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
    io.stderr.write(`Vigil ${version} listening on ${server.url} (store: ${config.store}, data: ${config.dataDir})\n`);
    await new Promise<void>((resolve) => {
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
    logger.flush();
    return 0;
  },
};
