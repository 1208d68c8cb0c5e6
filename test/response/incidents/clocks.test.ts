import { afterEach, describe, expect, it } from 'vitest';
import { createClockTicker, type ReportClock, type SlaClock } from '../../../response/incidents/clocks.ts';
import type { IncidentConfigInput } from '../../../response/incidents/config.ts';
import { alert, analyst, HOUR, type Harness, harness, MIN } from './helpers.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

function setup(config: IncidentConfigInput = {}) {
  h = harness(config);
  return createClockTicker({ store: h.store, notices: h.notices, config, now: h.clock.now });
}

const sla = (fields: Record<string, unknown>) => fields.sla as Record<string, SlaClock>;
const reporting = (fields: Record<string, unknown>) => fields.reporting as Record<string, ReportClock>;

describe('SLA clocks', () => {
  it('a triage breach is recorded once, with a near warning before it', async () => {
    const ticker = setup();
    const { created } = await h.intake.handle([alert(h.clock)]); // grade IV: triage within 4 h
    const id = created[0];
    const inc = await h.service.get(id);
    expect(sla(inc.fields).triage).toMatchObject({ target: '4h', status: 'running', deadline: new Date(h.clock.ms + 4 * HOUR).toISOString() });
    await h.drainNotices();

    h.clock.advance(3 * HOUR + 13 * MIN); // past 80 %
    await ticker.tick();
    await ticker.tick();
    expect(sla((await h.service.get(id)).fields).triage.status).toBe('near');

    h.clock.advance(50 * MIN);
    await ticker.tick();
    h.clock.advance(10 * MIN);
    await ticker.tick();
    await ticker.tick();
    const after = await h.service.get(id);
    expect(sla(after.fields).triage.status).toBe('breached');
    const tl = await h.store.incidents.timeline(id);
    expect(tl.filter((e) => e.kind === 'sla_breach').map((e) => e.data.clock)).toEqual(['triage']);
    expect(tl.filter((e) => e.kind === 'sla_near').map((e) => e.data.clock)).toEqual(['triage']);
    const notices = await h.drainNotices();
    expect(notices.filter((n) => n.type === 'sla.breached').map((n) => n.data.clock)).toEqual(['triage']);
  });

  it('two tickers at once still record one breach', async () => {
    const ticker = setup();
    const other = createClockTicker({ store: h.store, notices: h.notices, now: h.clock.now });
    const { created } = await h.intake.handle([alert(h.clock)]);
    h.clock.advance(5 * HOUR);
    await Promise.all([ticker.tick(), other.tick(), ticker.tick()]);
    const tl = await h.store.incidents.timeline(created[0]);
    expect(tl.filter((e) => e.kind === 'sla_breach').map((e) => e.data.clock)).toEqual(['triage']);
    expect((await h.drainNotices()).filter((n) => n.type === 'sla.breached')).toHaveLength(1);
  });

  it('triaging in time meets the clock; the grade sets the targets and is configurable', async () => {
    const ticker = setup({ sla: { II: { triageMs: 10 * MIN, containMs: HOUR, closeMs: 80 * MIN } } });
    const { created } = await h.intake.handle([alert(h.clock, { severity: 'critical', events: [{ vigil: { asset: { criticality: 'high' } } }] })]);
    const id = created[0];
    expect((await h.service.get(id)).grade).toBe('II');
    h.clock.advance(5 * MIN);
    await h.service.transition(id, { to: 'triaged' }, { actor: analyst });
    h.clock.advance(HOUR + MIN);
    await ticker.tick();
    const inc = await h.service.get(id);
    expect(sla(inc.fields).triage.status).toBe('met');
    expect(sla(inc.fields).contain.status).toBe('breached');
    expect(sla(inc.fields).close.status).toBe('near');
  });
});

describe('SLA clocks stopped late', () => {
  it('triaging after the deadline records the breach even when no tick saw it', async () => {
    setup();
    const { created } = await h.intake.handle([alert(h.clock)]);
    h.clock.advance(5 * HOUR);
    await h.service.transition(created[0], { to: 'triaged' }, { actor: analyst });
    const inc = await h.service.get(created[0]);
    expect(sla(inc.fields).triage).toMatchObject({ status: 'breached', metAt: new Date(h.clock.ms).toISOString() });
    expect((await h.store.incidents.timeline(created[0])).filter((e) => e.kind === 'sla_breach')).toHaveLength(1);
  });
});

describe('regulatory reporting clocks', () => {
  it('grade III for an "other" operator: 4 h initial report deadline, due at 80 %, then missed', async () => {
    const ticker = setup({ operatorType: 'other' });
    const { created } = await h.intake.handle([alert(h.clock)]);
    const id = created[0];
    expect((await h.service.get(id)).fields.reporting).toBeUndefined();
    h.clock.advance(10 * MIN);
    const gradedAt = h.clock.ms;
    await h.service.regrade(id, { grade: 'III', reason: 'payment service affected' }, { actor: analyst });
    const initial = reporting((await h.service.get(id)).fields).initial;
    expect(initial).toMatchObject({ status: 'pending', startedAt: new Date(gradedAt).toISOString(), deadline: new Date(gradedAt + 4 * HOUR).toISOString() });
    await h.drainNotices();

    h.clock.advance(3 * HOUR + 13 * MIN);
    await ticker.tick();
    expect(reporting((await h.service.get(id)).fields).initial.status).toBe('due');
    h.clock.advance(HOUR);
    await ticker.tick();
    await ticker.tick();
    expect(reporting((await h.service.get(id)).fields).initial.status).toBe('missed');
    const notices = await h.drainNotices();
    expect(notices.filter((n) => n.type === 'reporting.due')).toHaveLength(1);
    expect(notices.filter((n) => n.type === 'reporting.missed')).toHaveLength(1);
    const kinds = (await h.store.incidents.timeline(id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'reporting_due')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'reporting_missed')).toHaveLength(1);
  });

  it('grade III for a CII operator: 1 h deadline; recording the report marks it met and stops the clock', async () => {
    const ticker = setup({ operatorType: 'cii' });
    const { created } = await h.intake.handle([alert(h.clock, { severity: 'critical' })]);
    const id = created[0];
    const inc = await h.service.get(id);
    expect(inc.grade).toBe('III');
    expect(reporting(inc.fields).initial.deadline).toBe(new Date(h.clock.ms + HOUR).toISOString());
    h.clock.advance(30 * MIN);
    await h.service.recordReport(id, { kind: 'initial', reference: 'CAC-2026-0042', note: 'phoned in' }, { actor: analyst });
    h.clock.advance(2 * HOUR);
    await ticker.tick();
    const met = reporting((await h.service.get(id)).fields).initial;
    expect(met).toMatchObject({ status: 'met', late: false, reference: 'CAC-2026-0042', recordedBy: 'key:an1 (alice)' });
    expect((await h.drainNotices()).filter((n) => n.type === 'reporting.missed')).toEqual([]);
  });

  it('closing a reportable incident starts the 30-day summary clock; grade IV has none', async () => {
    const ticker = setup();
    const { created } = await h.intake.handle([alert(h.clock, { severity: 'critical' }), alert(h.clock, { ip: '192.0.2.99', groupKey: 'other' })]);
    const [reportable, minor] = created;
    for (const id of created) await h.service.transition(id, { to: 'closed', resolution: 'true_positive', summary: 'contained by hand' }, { actor: analyst });
    const closedAt = h.clock.ms;
    const summary = reporting((await h.service.get(reportable)).fields).summary;
    expect(summary).toMatchObject({ status: 'pending', deadline: new Date(closedAt + 30 * 24 * HOUR).toISOString() });
    expect((await h.service.get(minor)).fields.reporting).toBeUndefined();
    h.clock.advance(31 * 24 * HOUR);
    await ticker.tick();
    expect(reporting((await h.service.get(reportable)).fields).summary.status).toBe('missed');
    await h.service.recordReport(reportable, { kind: 'summary', reference: 'late summary' }, { actor: analyst });
    expect(reporting((await h.service.get(reportable)).fields).summary).toMatchObject({ status: 'met', late: true });
  });

  it('grading below III before the report is due withdraws the clock; grading up again restarts it', async () => {
    setup();
    const { created } = await h.intake.handle([alert(h.clock, { severity: 'critical' })]);
    const id = created[0];
    h.clock.advance(10 * MIN);
    await h.service.regrade(id, { grade: 'IV', reason: 'test system, no data' }, { actor: analyst });
    expect(reporting((await h.service.get(id)).fields).initial).toMatchObject({ status: 'withdrawn' });
    h.clock.advance(10 * MIN);
    await h.service.regrade(id, { grade: 'II', reason: 'production after all' }, { actor: analyst });
    expect(reporting((await h.service.get(id)).fields).initial).toMatchObject({ status: 'pending', startedAt: new Date(h.clock.ms).toISOString() });
  });
});

describe('clock ticker schedule', () => {
  it('start() ticks on its interval until stopped', async () => {
    const ticker = setup();
    const { created } = await h.intake.handle([alert(h.clock)]);
    h.clock.advance(5 * HOUR);
    const run = ticker.start(5);
    await new Promise((r) => setTimeout(r, 60));
    await run.stop();
    expect(sla((await h.service.get(created[0])).fields).triage.status).toBe('breached');
  });
});
