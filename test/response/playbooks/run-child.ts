// Child process for the restart test: opens the SQLite file, starts the playbook run for the
// incident and keeps advancing it until the parent SIGKILLs it (mid-step). Configuration comes
// from the environment: PB_DATA_DIR, PB_DIR, PB_INCIDENT, PB_NOTICE, PLAYBOOK_HOOK_URL.
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import { createConnectorClient, createPlaybookRunner, loadPlaybooks } from '../../../response/playbooks/index.ts';
import { storePort } from './helpers.ts';

const env = process.env;
const store = createSqliteEngine({ dataDir: env.PB_DATA_DIR ?? '' });
const loaded = loadPlaybooks({ paths: [env.PB_DIR ?? ''] });
if (loaded.errors.length) throw loaded.errors[0];
const now = () => new Date();
const runner = createPlaybookRunner({
  store: store.runs,
  incidents: storePort(store.incidents, now),
  playbooks: loaded.playbooks,
  connectors: createConnectorClient({ connectors: loaded.connectors, env }),
  now,
});
const ids = await runner.onNotice({ id: env.PB_NOTICE ?? '', type: 'incident.created', at: now().toISOString(), incidentId: env.PB_INCIDENT, data: {} });
process.stdout.write(`started ${ids.join(',')}\n`);
await runner.settle();
process.stdout.write('settled\n');
