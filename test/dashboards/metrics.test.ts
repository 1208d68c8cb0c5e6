// Dashboard metrics on known data, computed over a real SQLite store filled through the real alert
// intake and incident service; then the same figures through the HTTP routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attackCoverage } from '../../dashboards/metrics/attack-coverage.ts';
import { DashboardMetrics } from '../../dashboards/metrics/metrics.ts';
import { parseInterval, parseRange } from '../../dashboards/metrics/period.ts';
import { durationStats, percentile } from '../../dashboards/metrics/stats.ts';
import { alice, type Harness, HOUR, harness, MIN, makeAlert, openIncident } from './harness.ts';

describe('order statistics', () => {
  it('computes exact medians and 90th percentiles with linear interpolation between ranks', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5)).toBe(5.5);
    const st = durationStats([300, 60, 600, 120]);
    expect(st).toMatchObject({ count: 4, mean: 270, median: 210, min: 60, max: 600 });
    expect(st.p90).toBeCloseTo(510, 9);
    expect(durationStats([42])).toEqual({ count: 1, mean: 42, median: 42, p90: 42, min: 42, max: 42 });
    expect(durationStats([])).toEqual({ count: 0 });
  });

  it('reads intervals and periods as callers write them, and names the bad input', () => {
    expect(parseInterval('15m')).toBe(900_000);
    expect(parseInterval('1d')).toBe(86_400_000);
    expect(parseInterval('60000')).toBe(60_000);
    expect(() => parseInterval('fortnight')).toThrow(/interval: 'fortnight' is not an interval/);
    expect(parseRange('2026-03-02', '2026-03-03T12:00:00+08:00')).toEqual({ from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T04:00:00.000Z' });
    expect(() => parseRange('2026-03-03', '2026-03-02')).toThrow(/to: '2026-03-02' must be after from/);
    expect(() => parseRange('yesterday', undefined)).toThrow(/from: 'yesterday' is not an ISO 8601 time/);
  });
});

describe('ATT&CK coverage matrix', () => {
  it('places techniques under their tagged tactics and marks covered, seen and both', () => {
    const cov = attackCoverage(
      [
        { tags: ['attack.execution', 'attack.t1059.001'] },
        { tags: ['attack.credential_access', 'attack.t1110', 'attack.g0016'] },
        { tags: ['attack.credential-access', 'attack.t1110'] },
        { tags: ['attack.t1003'] },
      ],
      [
        { tags: [], tactics: ['credential_access'], techniques: ['T1110'] },
        { tags: ['attack.impact', 'attack.t1486'] },
      ],
    );
    expect(cov.tactics.map((t) => t.tactic)).toEqual(['execution', 'credential_access', 'impact', 'unknown']);
    const cell = (tactic: string, technique: string) => cov.tactics.find((t) => t.tactic === tactic)?.cells.find((c) => c.technique === technique);
    expect(cell('execution', 'T1059.001')).toMatchObject({ status: 'covered', rules: 1, alerts: 0 });
    expect(cell('credential_access', 'T1110')).toMatchObject({ status: 'both', rules: 2, alerts: 1 });
    expect(cell('impact', 'T1486')).toMatchObject({ status: 'seen', covered: false, alerts: 1 });
    expect(cell('unknown', 'T1003')).toMatchObject({ status: 'covered' });
    expect(cov.totals).toEqual({ techniques: 4, covered: 3, seen: 2, both: 1, seenNotCovered: 1, coveredNotSeen: 2 });
  });
});

describe('dashboard metrics over the store', () => {
  let h: Harness;
  let metrics: DashboardMetrics;
  const day = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' };

  beforeAll(async () => {
    h = harness('2026-03-02T08:00:00.000Z');
    metrics = new DashboardMetrics({ ...h.store, loadedRuleTags: () => [['attack.credential_access', 'attack.t1110'], ['attack.execution', 'attack.t1059']] });
    const by = { actor: alice };
    // Events detected 1, 2, 5 and 10 minutes after they happened.
    const a = await openIncident(h, { host: 'WEB-01', ip: '203.0.113.7', lagMs: MIN });
    const b = await openIncident(h, { host: 'db-02', ip: '198.51.100.9', lagMs: 2 * MIN, severity: 'critical', ruleId: 'vigil-dump', ruleTitle: 'Credential dump' });
    h.clock.advance(30 * MIN);
    const c = await openIncident(h, { host: 'web-01', ip: '203.0.113.8', lagMs: 5 * MIN, severity: 'critical' });
    // Past the 1 h grouping window: this alert opens a fourth incident, left new.
    h.clock.set('2026-03-02T10:15:00.000Z');
    await h.intake.handle([makeAlert(h.clock.now(), { host: 'web-01', ip: '203.0.113.7', lagMs: 10 * MIN, severity: 'low', user: 'admin' })]);
    // a: triaged after 2h15m, contained 2h45m, closed (true positive) after 3h15m.
    await h.service.regrade(a, { grade: 'II', reason: 'exposed' }, by);
    await h.service.transition(a, { to: 'triaged' }, by);
    h.clock.advance(30 * MIN);
    await h.service.transition(a, { to: 'contained' }, by);
    h.clock.advance(30 * MIN);
    await h.service.transition(a, { to: 'closed', resolution: 'true_positive', summary: 'done' }, by);
    // b: closed as false positive straight from new, 3h15m after its alert.
    await h.service.transition(b, { to: 'closed', resolution: 'false_positive', summary: 'pentest' }, by);
    // c: graded III, triaged 2h45m after its alert.
    await h.service.regrade(c, { grade: 'III', reason: 'internal' }, by);
    await h.service.transition(c, { to: 'triaged' }, by);
  });

  afterAll(async () => {
    await h.close();
  });

  it('MTTD from event to alert, MTTA/MTTC/MTTR from the first alert, with medians and p90', async () => {
    const rt = await metrics.responseTimes(day);
    expect(rt.mttd).toMatchObject({ count: 4, mean: 270, median: 210, min: 60, max: 600 });
    expect(rt.mttd.p90).toBeCloseTo(510, 9);
    // a triaged at 10:15 (alert 08:00): 8100 s; c triaged at 11:15 (alert 08:30): 9900 s.
    expect(rt.mtta).toMatchObject({ count: 2, median: 9000, min: 8100, max: 9900 });
    expect(rt.mttc).toMatchObject({ count: 1, median: 9900 });
    // a closed at 11:15 (11700 s), b at 11:15 (11700 s).
    expect(rt.mttr).toMatchObject({ count: 2, median: 11700, p90: 11700 });
  });

  it('alert volume per interval by severity, with the empty hour between', async () => {
    const buckets = await metrics.alertVolume(day, HOUR);
    expect(buckets.map((b) => [b.start, b.total, b.bySeverity.high, b.bySeverity.critical, b.bySeverity.low])).toEqual([
      ['2026-03-02T08:00:00.000Z', 3, 1, 2, 0],
      ['2026-03-02T09:00:00.000Z', 0, 0, 0, 0],
      ['2026-03-02T10:00:00.000Z', 1, 0, 0, 1],
    ]);
  });

  it('incident breakdown and SLA compliance per grade', async () => {
    const br = await metrics.incidentBreakdown(day);
    expect(br.total).toBe(4);
    expect(Object.fromEntries(br.byState.map((b) => [b.key, b.count]))).toEqual({ closed: 2, triaged: 1, new: 1 });
    expect(Object.fromEntries(br.byGrade.map((b) => [b.key, b.count]))).toEqual({ II: 1, III: 2, IV: 1 });
    const sla = await metrics.slaCompliance(day);
    const a = sla.find((r) => r.grade === 'II');
    // Grade II: triage within 30 min; a was triaged after 2h15m.
    expect(a).toMatchObject({ met: 0, breached: 1, open: 0, total: 1, compliance: 0 });
    expect(sla.reduce((s, r) => s + r.total, 0)).toBe(4);
  });

  it('top hosts (case-insensitive, shown in their most common spelling), source IPs and rules', async () => {
    expect(await metrics.top(day, 'host', 2)).toEqual([
      { key: 'web-01', count: 3 },
      { key: 'db-02', count: 1 },
    ]);
    expect((await metrics.top(day, 'source_ip', 1))[0]).toEqual({ key: '203.0.113.7', count: 2 });
    expect(await metrics.top(day, 'user', 5)).toEqual([
      { key: 'root', count: 3 },
      { key: 'admin', count: 1 },
    ]);
    expect(await metrics.top(day, 'rule', 5)).toEqual([
      { key: 'vigil-ssh-bruteforce', count: 3, title: 'SSH brute force' },
      { key: 'vigil-dump', count: 1, title: 'Credential dump' },
    ]);
  });

  it('rule precision from the verdicts analysts gave when closing', async () => {
    expect(await metrics.rulePrecision()).toEqual([
      { ruleId: 'vigil-dump', tp: 0, fp: 1, precision: 0 },
      { ruleId: 'vigil-ssh-bruteforce', tp: 1, fp: 0, precision: 1 },
    ]);
  });

  it('ATT&CK coverage of the loaded rules against the alerts of the period', async () => {
    const cov = await metrics.attackCoverage(day);
    expect(cov.totals).toMatchObject({ covered: 2, seen: 1, both: 1, coveredNotSeen: 1 });
    expect(cov.tactics.find((t) => t.tactic === 'credential_access')?.cells).toEqual([
      { technique: 'T1110', covered: true, seen: true, status: 'both', rules: 1, alerts: 4 },
    ]);
  });
});
