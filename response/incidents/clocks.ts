// SLA and reporting clock ticker: `tick(now)` walks the incidents whose clocks can still change
// (open ones, and closed reportable ones with a pending summary report) and writes any status
// change through IncidentWriter, which records each breach / due / missed event once.
import { systemActor } from '../../core/auth/api-keys.ts';
import type { Notice } from '../../core/messages.ts';
import type { WorkQueue } from '../../core/queue/types.ts';
import type { Incident, StorageEngine } from '../../core/storage/types.ts';
import { grades, gradeRank } from './classification.ts';
import { refreshClocks } from './clock-state.ts';
import { type IncidentConfigInput, incidentConfig } from './config.ts';
import { IncidentWriter } from './incident-writer.ts';
import { IncidentState, incidentStates } from './lifecycle.ts';

export * from './clock-state.ts';

export interface ClockTickerOptions {
  store: Pick<StorageEngine, 'incidents' | 'audit'>;
  notices: WorkQueue<Notice>;
  config?: IncidentConfigInput;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface TickResult {
  checked: number;
  /** Incidents whose clocks changed. */
  updated: string[];
}

export interface ClockTicker {
  /** Checks every clock at `now` (default: the injected clock). */
  tick(now?: Date): Promise<TickResult>;
  /** Ticks every intervalMs until the returned stop() (awaits a tick in progress). */
  start(intervalMs: number, onError?: (err: unknown) => void): { stop(): Promise<void> };
}

export function createClockTicker(opts: ClockTickerOptions): ClockTicker {
  const config = incidentConfig(opts.config);
  const baseNow = opts.now ?? (() => new Date());
  const ticker: ClockTicker = {
    start(intervalMs, onError) {
      let running: Promise<unknown> = Promise.resolve();
      let busy = false;
      const timer = setInterval(() => {
        // A slow tick is not overlapped by the next one.
        if (busy) return;
        busy = true;
        running = ticker
          .tick()
          .catch((err: unknown) => onError?.(err))
          .finally(() => {
            busy = false;
          });
      }, intervalMs);
      return {
        async stop() {
          clearInterval(timer);
          await running;
        },
      };
    },
    async tick(at) {
      const nowMs = (at ?? baseNow()).getTime();
      const writer = new IncidentWriter({ incidents: opts.store.incidents, audit: opts.store.audit, notices: opts.notices, config, now: () => new Date(nowMs) });
      const result: TickResult = { checked: 0, updated: [] };
      const visit = async (inc: Incident) => {
        result.checked++;
        const { events, fields } = refreshClocks(inc, config, nowMs);
        if (!events.length && !Object.keys(fields).length) return;
        // The writer re-reads and re-checks under the version, so a concurrent tick records nothing twice.
        await writer.mutate(inc.id, { actor: systemActor }, (current) => {
          const again = refreshClocks(current, config, nowMs);
          return again.events.length || Object.keys(again.fields).length ? { change: {} } : undefined;
        });
        result.updated.push(inc.id);
      };
      const reportable = grades.filter((g) => gradeRank(g) >= gradeRank(config.reportingMinGrade));
      const scans = [
        { state: incidentStates.filter((s) => s !== IncidentState.closed) },
        { state: [IncidentState.closed], grade: [...reportable] },
      ];
      for (const filter of scans) {
        let cursor: string | undefined;
        do {
          const page = await opts.store.incidents.list({ ...filter, sort: { field: 'createdAt', order: 'asc' } }, { limit: 200, cursor });
          for (const inc of page.items) await visit(inc);
          cursor = page.nextCursor;
        } while (cursor);
      }
      return result;
    },
  };
  return ticker;
}
