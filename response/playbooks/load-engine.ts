// Everything the composition root needs to build a runner from configuration: the playbooks of a
// folder, their connectors (connectors.yml in the folder, or a configured file) as a client, and
// the intel lists. Problems are returned, not thrown: the caller logs them and runs the rest.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VigilError } from '../../core/errors.ts';
import { createConnectorClient } from './connectors.ts';
import { createIntelLookup, loadIntelLists } from './intel-lists.ts';
import { loadPlaybooks } from './loader.ts';
import type { ConnectorClient, IntelLookup, Playbook } from './model.ts';

export interface PlaybookEngineConfig {
  /** Playbook folder. @default 'rules/playbooks' */
  dir: string;
  /** Connector file instead of `<dir>/connectors.yml`. */
  connectorsFile?: string;
  /** Intel list folder. @default '<dir>/intel' when it exists */
  intelDir?: string;
  /** For `${NAME}` and auth secrets. @default process.env */
  env?: NodeJS.ProcessEnv;
}

export interface PlaybookEngineParts {
  playbooks: Playbook[];
  connectors: ConnectorClient;
  intel?: IntelLookup;
  errors: VigilError[];
}

export function loadPlaybookEngine(cfg: PlaybookEngineConfig): PlaybookEngineParts {
  const loaded = cfg.connectorsFile
    ? loadPlaybooks({ paths: [cfg.dir], connectors: [], connectorFiles: [cfg.connectorsFile] })
    : loadPlaybooks({ paths: [cfg.dir] });
  const intelDir = cfg.intelDir ?? join(cfg.dir, 'intel');
  const intel = existsSync(intelDir) ? createIntelLookup(loadIntelLists(intelDir)) : undefined;
  return {
    playbooks: loaded.playbooks,
    connectors: createConnectorClient({ connectors: loaded.connectors, env: cfg.env }),
    intel,
    errors: loaded.errors,
  };
}
