// Every `vigil` subcommand, in the order `vigil --help` lists them. Add new commands here.
import type { Command } from './types.ts';

export const commands: Command[] = [
  // --- commands ---
];
