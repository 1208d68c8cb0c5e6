// Public surface of the playbook engine.
export { createConnectorClient, loadConnectorsFile, parseConnectors, type ConnectorConfig, type ConnectorClientOptions } from './connectors.ts';
export { createIntelLookup, loadIntelLists, parseIntelList } from './intel-lists.ts';
export { CONNECTORS_FILE, loadPlaybooks, parsePlaybookText, type LoadedPlaybooks, type LoadPlaybooksOptions } from './loader.ts';
export type * from './model.ts';
export { createPlaybookRunner, type DryRunPlan, type DryRunStep, type PlaybookRunner, type PlaybookRunnerOptions } from './runner.ts';
export { stepKinds } from './steps/index.ts';
export { createPlaybookWorker, type PlaybookWorker, type PlaybookWorkerOptions } from './worker.ts';
export { loadPlaybookEngine, type PlaybookEngineConfig, type PlaybookEngineParts } from './load-engine.ts';
