// The dashboard figures, computed over the store interfaces only (so they hold on every engine):
// alert volume, incident breakdowns, response times, SLA compliance, top entities, rule precision
// and ATT&CK coverage. Each takes a [from, to) period; alerts are placed by detectedAt, incidents
// by createdAt (what the stores range on).
import {
  type Alert,
  type AlertStore,
  type Bucket,
  type DocumentStore,
  type Incident,
  type IncidentStore,
  Severity,
  type TimeRange,
} from '../../core/storage/types.ts';
import { type AttackCoverage, attackCoverage } from './attack-coverage.ts';
import { collectAll } from './collect.ts';
import { firstAlertAt, slaOutcome, stateTimes } from './incident-fields.ts';
import { type DurationStats, durationStats } from './stats.ts';

/** Kept by the incident stage: analyst verdicts per rule id (response/incidents/service.ts). */
export const verdictCollection = 'rule-verdicts';

export const severities = Object.values(Severity);

export interface MetricsSources {
  alerts: AlertStore;
  incidents: IncidentStore;
  docs: DocumentStore;
  /** Tags of every loaded rule (one array per rule), for ATT&CK coverage. */
  loadedRuleTags?: () => ReadonlyArray<readonly string[]> | Promise<ReadonlyArray<readonly string[]>>;
}

export interface VolumeBucket {
  start: string;
  total: number;
  bySeverity: Record<Severity, number>;
}

export interface Breakdown {
  total: number;
  byState: Bucket[];
  byGrade: Bucket[];
  byCategory: Bucket[];
}

export interface ResponseTimes {
  /** Event → alert (alert.eventTime → alert.detectedAt), per alert. */
  mttd: DurationStats;
  /** First alert → triaged, per incident that was triaged. */
  mtta: DurationStats;
  /** First alert → contained. */
  mttc: DurationStats;
  /** First alert → closed. */
  mttr: DurationStats;
}

export interface SlaRow {
  grade: string;
  met: number;
  breached: number;
  open: number;
  total: number;
  /** met / (met + breached); absent while nothing has finished. */
  compliance?: number;
}

export type TopField = 'rule' | 'host' | 'user' | 'source_ip';

export interface TopBucket {
  key: string;
  count: number;
  /** The rule's title, for field=rule. */
  title?: string;
}

export interface RulePrecision {
  ruleId: string;
  tp: number;
  fp: number;
  precision?: number;
}

const gradeOrder = ['I', 'II', 'III', 'IV'];

function seconds(fromIso: string, toIso: string): number | undefined {
  const d = (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
  // A clock that ran backwards (skewed sender) says nothing about response time.
  return Number.isFinite(d) && d >= 0 ? d : undefined;
}

function sortBuckets(counts: Map<string, number>): Bucket[] {
  return [...counts.entries()].map(([key, count]) => ({ key, count })).sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export class DashboardMetrics {
  constructor(private readonly src: MetricsSources) {}

  alertsIn(range: TimeRange): Promise<Alert[]> {
    return collectAll((page) => this.src.alerts.list({ range }, page));
  }

  incidentsIn(range: TimeRange): Promise<Incident[]> {
    return collectAll((page) => this.src.incidents.list({ range, sort: { field: 'createdAt', order: 'asc' } }, page));
  }

  /** Alert counts per interval, split by severity; empty buckets between the first and last are included. */
  async alertVolume(range: TimeRange, intervalMs: number): Promise<VolumeBucket[]> {
    const rows = new Map<string, VolumeBucket>();
    const empty = () => Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
    for (const severity of severities) {
      for (const b of await this.src.alerts.histogram({ range, severity: [severity] }, intervalMs)) {
        if (b.count === 0) continue;
        let row = rows.get(b.start);
        if (!row) rows.set(b.start, (row = { start: b.start, total: 0, bySeverity: empty() }));
        row.bySeverity[severity] += b.count;
        row.total += b.count;
      }
    }
    const starts = [...rows.keys()].map((s) => Date.parse(s)).sort((a, b) => a - b);
    if (!starts.length) return [];
    const out: VolumeBucket[] = [];
    for (let t = starts[0]; t <= starts[starts.length - 1]; t += intervalMs) {
      const start = new Date(t).toISOString();
      out.push(rows.get(start) ?? { start, total: 0, bySeverity: empty() });
    }
    return out;
  }

  async incidentBreakdown(range: TimeRange): Promise<Breakdown> {
    const [byState, byGrade, byCategory] = await Promise.all(
      (['state', 'grade', 'category'] as const).map((field) => this.src.incidents.countBy({ range }, field)),
    );
    return { total: byState.reduce((s, b) => s + b.count, 0), byState, byGrade, byCategory };
  }

  async responseTimes(range: TimeRange): Promise<ResponseTimes> {
    const detect: number[] = [];
    for (const a of await this.alertsIn(range)) {
      const d = seconds(a.eventTime, a.detectedAt);
      if (d !== undefined) detect.push(d);
    }
    const ack: number[] = [];
    const contain: number[] = [];
    const resolve: number[] = [];
    for (const inc of await this.incidentsIn(range)) {
      const start = firstAlertAt(inc);
      const t = stateTimes(inc);
      // A state skipped on the way (new → closed) has no entry and does not count for that clock.
      for (const [at, sink] of [
        [t.triaged, ack],
        [t.contained, contain],
        [t.closed, resolve],
      ] as const) {
        const d = at ? seconds(start, at) : undefined;
        if (d !== undefined) sink.push(d);
      }
    }
    return { mttd: durationStats(detect), mtta: durationStats(ack), mttc: durationStats(contain), mttr: durationStats(resolve) };
  }

  async slaCompliance(range: TimeRange): Promise<SlaRow[]> {
    const rows = new Map<string, SlaRow>();
    for (const inc of await this.incidentsIn(range)) {
      const grade = inc.grade ?? 'ungraded';
      let row = rows.get(grade);
      if (!row) rows.set(grade, (row = { grade, met: 0, breached: 0, open: 0, total: 0 }));
      row[slaOutcome(inc)]++;
      row.total++;
    }
    for (const row of rows.values()) if (row.met + row.breached > 0) row.compliance = row.met / (row.met + row.breached);
    const rank = (g: string) => (gradeOrder.includes(g) ? gradeOrder.indexOf(g) : 99);
    return [...rows.values()].sort((a, b) => rank(a.grade) - rank(b.grade) || a.grade.localeCompare(b.grade));
  }

  async top(range: TimeRange, field: TopField, size: number): Promise<TopBucket[]> {
    if (field === 'rule') {
      const buckets = (await this.src.alerts.countBy({ range }, 'ruleId')).slice(0, size);
      const out: TopBucket[] = [];
      for (const b of buckets) {
        const sample = await this.src.alerts.list({ range, ruleId: b.key }, { limit: 1 });
        out.push({ key: b.key, count: b.count, ...(sample.items[0] ? { title: sample.items[0].ruleTitle } : {}) });
      }
      return out;
    }
    // Host and user names compare case-insensitively (as the alert store's filters do) and are
    // shown in their most common spelling.
    const norm = (v: string) => (field === 'source_ip' ? v : v.toLowerCase());
    const counts = new Map<string, number>();
    const spellings = new Map<string, Map<string, number>>();
    for (const a of await this.alertsIn(range)) {
      const values = field === 'host' ? a.entities.hosts : field === 'user' ? a.entities.users : a.entities.sourceIps;
      for (const v of new Set(values)) {
        const key = norm(v);
        let s = spellings.get(key);
        if (!s) spellings.set(key, (s = new Map()));
        s.set(v, (s.get(v) ?? 0) + 1);
      }
      for (const key of new Set(values.map(norm))) counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const shown = (key: string) => sortBuckets(spellings.get(key) ?? new Map())[0]?.key ?? key;
    return sortBuckets(counts)
      .slice(0, size)
      .map((b) => ({ key: shown(b.key), count: b.count }));
  }

  /** Analyst verdicts per rule (true/false positives from incident closes and alert FP marks), lowest precision first. */
  async rulePrecision(): Promise<RulePrecision[]> {
    const docs = await this.src.docs.list<{ tp?: number; fp?: number }>(verdictCollection);
    return docs
      .map((d) => {
        const tp = Number(d.body.tp ?? 0);
        const fp = Number(d.body.fp ?? 0);
        return { ruleId: d.id, tp, fp, ...(tp + fp > 0 ? { precision: tp / (tp + fp) } : {}) };
      })
      .sort((a, b) => (a.precision ?? 2) - (b.precision ?? 2) || b.fp - a.fp || a.ruleId.localeCompare(b.ruleId));
  }

  async attackCoverage(range: TimeRange): Promise<AttackCoverage> {
    const ruleTags = this.src.loadedRuleTags ? await this.src.loadedRuleTags() : [];
    const alerts = await this.alertsIn(range);
    return attackCoverage(
      ruleTags.map((tags) => ({ tags })),
      alerts.map((a) => ({ tags: a.ruleTags, tactics: a.tactics, techniques: a.techniques })),
    );
  }
}
