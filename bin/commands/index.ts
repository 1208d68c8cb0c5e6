// Every `vigil` subcommand, in the order `vigil --help` lists them. Add new commands here.
import { normalizeCommand } from './normalize.ts';
import { keysCreateCommand, keysListCommand, keysRevokeCommand } from './keys.ts';
import { serveCommand } from './serve.ts';
import { huntCommand } from './hunt.ts';
import { rulesValidateCommand } from './rules-validate.ts';
import { rulesConvertCommand } from './rules-convert.ts';
import { playbooksValidateCommand } from './playbooks.ts';
import { ingestCommand } from './ingest.ts';
import { exportAlertsCommand, exportIncidentCommand } from './export.ts';
import { reportCommand, reportVerifyCommand } from './report.ts';
import type { Command } from './types.ts';

export const commands: Command[] = [
  serveCommand,
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  // --- commands ---
  reportCommand,
  reportVerifyCommand,
  exportIncidentCommand,
  exportAlertsCommand,
  ingestCommand,
  playbooksValidateCommand,
  huntCommand,
  rulesValidateCommand,
  rulesConvertCommand,
  normalizeCommand,
];
