// Standard exports read straight from the store, shared by the HTTP routes and `vigil export`.
import { ErrorCode, VigilError } from '../../core/errors.ts';
import type { Alert, StorageEngine, TimeRange } from '../../core/storage/types.ts';
import { buildEcsAlertDoc } from './ecs.ts';
import { buildDetectionFinding } from './ocsf.ts';
import { buildStixBundle, type StixBundle, type Tlp } from './stix.ts';

export { buildEcsAlertDoc, ecsSeverity } from './ecs.ts';
export { buildDetectionFinding, type DetectionFinding, OcsfActivity, ocsfVersion } from './ocsf.ts';
export { buildStixBundle, incidentCoreExtension, observablePattern, type StixBundle, type StixObject, type Tlp, tlpLevels, uuidV5 } from './stix.ts';

export type ExportStore = Pick<StorageEngine, 'incidents' | 'alerts'>;

/** Alerts of one incident, all pages (an incident rarely holds more than a few thousand). */
async function incidentAlerts(store: ExportStore, incidentId: string): Promise<Alert[]> {
  const out: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.alerts.list({ incidentId }, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

export async function exportIncidentStix(store: ExportStore, incidentId: string, opts: { tlp?: Tlp; now?: number } = {}): Promise<StixBundle> {
  const inc = await store.incidents.get(incidentId);
  if (!inc) throw new VigilError(ErrorCode.NOT_FOUND, `incident ${incidentId}: not found`, { source: 'params', path: '/id' });
  return buildStixBundle(inc, { ...opts, alerts: await incidentAlerts(store, incidentId) });
}

export type AlertExportFormat = 'ocsf' | 'ecs';

/** One JSON line per alert in the range (oldest pages first as the store lists them). */
export async function* exportAlerts(
  store: ExportStore,
  range: TimeRange,
  format: AlertExportFormat,
  opts: { vendorName?: string; productVersion?: string } = {},
): AsyncGenerator<string> {
  const incidents = new Map<string, Awaited<ReturnType<ExportStore['incidents']['get']>>>();
  let cursor: string | undefined;
  do {
    const page = await store.alerts.list({ range }, { limit: 500, cursor });
    for (const a of page.items) {
      let inc = a.incidentId ? incidents.get(a.incidentId) : undefined;
      if (a.incidentId && !incidents.has(a.incidentId)) {
        inc = await store.incidents.get(a.incidentId);
        incidents.set(a.incidentId, inc);
      }
      const doc = format === 'ocsf' ? buildDetectionFinding(a, inc, opts) : buildEcsAlertDoc(a, inc);
      yield `${JSON.stringify(doc)}\n`;
    }
    cursor = page.nextCursor;
  } while (cursor);
}
