// Chooses the storage engine from configuration. Only the composition root calls this.
import type { Logger } from 'pino';
import { ErrorCode, VigilError } from '../errors.ts';
import { createSqliteEngine } from './sqlite/index.ts';
import type { StorageEngine } from './types.ts';

export interface StorageConfig {
  /** @default 'sqlite' */
  kind?: 'sqlite' | 'elasticsearch';
  /** Directory of the embedded database. @default process.env.VIGIL_DATA_DIR ?? './data' */
  dataDir?: string;
  /** @default 'vigil.db' */
  fileName?: string;
  logger?: Logger;
}

export function createStorageEngine(cfg: StorageConfig = {}): StorageEngine {
  const kind = cfg.kind ?? 'sqlite';
  switch (kind) {
    case 'sqlite':
      return createSqliteEngine({
        dataDir: cfg.dataDir ?? process.env.VIGIL_DATA_DIR ?? './data',
        fileName: cfg.fileName,
        logger: cfg.logger,
      });
    case 'elasticsearch':
      throw new VigilError(ErrorCode.CONFIG_INVALID, 'store.kind: elasticsearch engine not available yet', {
        source: 'config',
        path: 'store.kind',
      });
    default:
      throw new VigilError(
        ErrorCode.CONFIG_INVALID,
        `store.kind: '${String(kind)}' is not a storage engine (allowed: sqlite, elasticsearch)`,
        { source: 'config', path: 'store.kind' },
      );
  }
}
