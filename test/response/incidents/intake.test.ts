import { afterEach, describe, expect, it } from 'vitest';
import { stableId } from '../../../core/ids.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import { createAlertIntake } from '../../../response/alerts/intake.ts';
import { HOUR, type Harness, MIN, alert, analyst, harness } from './helpers.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

async function incidents() {
  return (await h.store.incidents.list({}, { limit: 100 })).items;
}

describe('alert intake: grouping', () => {
  it('a burst for one rule and entity opens one incident with every alert, counts and a timeline', async () => {
    h = harness();
    const burst = Array.from({ length: 12 }, (_, i) => alert(h.clock, { user: i % 2 ? 'root' : 'admin' }));
    for (const a of burst.slice(0, 4)) await h.intake.handle([a]);
    h.clock.advance(5 * MIN);
    const r = await h.intake.handle(burst.slice(4));
    expect(r.created).toEqual([]);
    const list = await incidents();
    expect(list).toHaveLength(1);
    const inc = list[0];
    expect(inc.title).toBe('SSH brute force on web-01');
    expect(inc.state).toBe('new');
    expect(inc.severity).toBe('high');
    expect(inc.category).toBe('network_attack');
    expect(inc.subcategory).toBe('credential_attack');
    expect(inc.grade).toBe('IV');
    expect(inc.users.sort()).toEqual(['admin', 'root']);
    expect(inc.fields.alertCount).toBe(12);
    const obs = inc.fields.observables as Array<{ type: string; value: string; count: number }>;
    expect(obs.find((o) => o.type === 'ip' && o.value === '203.0.113.7')?.count).toBe(12);
    expect(obs.find((o) => o.type === 'user' && o.value === 'root')?.count).toBe(6);
    expect(obs.find((o) => o.type === 'host' && o.value === 'web-01')?.count).toBe(12);
    const alerts = await h.store.alerts.list({ incidentId: inc.id }, { limit: 100 });
    expect(alerts.items).toHaveLength(12);
    const tl = await h.store.incidents.timeline(inc.id);
    expect(tl.map((e) => e.kind)).toEqual(['created', ...Array(11).fill('alert_added')]);
    const notices = await h.drainNotices();
    expect(notices.filter((n) => n.type === 'incident.created')).toHaveLength(1);
    expect(notices.filter((n) => n.type === 'incident.updated')).toHaveLength(11);
    expect(notices.filter((n) => n.type === 'alert.created')).toHaveLength(12);
  });

  it('another entity opens another incident', async () => {
    h = harness();
    await h.intake.handle([alert(h.clock), alert(h.clock, { ip: '198.51.100.9', host: 'db-02' })]);
    const list = await incidents();
    expect(list.map((i) => i.title).sort()).toEqual(['SSH brute force on db-02', 'SSH brute force on web-01']);
  });

  it('after the grouping window a new incident opens; a closed incident is never joined', async () => {
    h = harness({ groupingWindowMs: 30 * MIN });
    await h.intake.handle([alert(h.clock)]);
    h.clock.advance(29 * MIN);
    await h.intake.handle([alert(h.clock)]);
    expect(await incidents()).toHaveLength(1);
    h.clock.advance(2 * MIN);
    const r = await h.intake.handle([alert(h.clock)]);
    expect(r.created).toHaveLength(1);
    expect(await incidents()).toHaveLength(2);
    await h.service.transition(r.created[0], { to: 'closed', resolution: 'benign_positive', summary: 'pen test' }, { actor: analyst });
    const r2 = await h.intake.handle([alert(h.clock)]);
    expect(r2.created).toHaveLength(1);
    expect(await incidents()).toHaveLength(3);
  });

  it('severity is the highest of the alerts and the default grade follows it up', async () => {
    h = harness();
    await h.intake.handle([alert(h.clock, { severity: 'medium' })]);
    await h.intake.handle([alert(h.clock, { severity: 'critical' })]);
    await h.intake.handle([alert(h.clock, { severity: 'low' })]);
    const [inc] = await incidents();
    expect(inc.severity).toBe('critical');
    expect(inc.grade).toBe('III');
    expect((inc.fields.reporting as { initial: { status: string } }).initial.status).toBe('pending');
  });

  it('alerts without a groupKey group by rule and main entity', async () => {
    h = harness();
    await h.intake.handle([alert(h.clock, { groupKey: '' }), alert(h.clock, { groupKey: '' }), alert(h.clock, { groupKey: '', host: 'db-01' })]);
    expect((await incidents()).map((i) => i.groupKey).sort()).toEqual(['vigil-ssh-bruteforce|db-01', 'vigil-ssh-bruteforce|web-01']);
  });

  it('duplicate alert ids are ignored entirely', async () => {
    h = harness();
    const a = alert(h.clock);
    await h.intake.handle([a]);
    await h.drainNotices();
    const r = await h.intake.handle([a, { ...a, severity: 'critical' }]);
    expect(r.duplicates).toEqual([a.id, a.id]);
    expect(r.stored).toEqual([]);
    const [inc] = await incidents();
    expect(inc.fields.alertCount).toBe(1);
    expect(inc.severity).toBe('high');
    expect(await h.drainNotices()).toEqual([]);
  });

  it('two intake workers (two connections to one database file) at once open one incident and count every alert', async () => {
    h = harness();
    const otherStore = createSqliteEngine({ dataDir: h.dataDir, clock: () => h.clock.ms });
    const second = createAlertIntake({ store: otherStore, notices: h.notices, now: h.clock.now });
    const alerts = Array.from({ length: 20 }, () => alert(h.clock));
    await Promise.all([
      (async () => {
        for (const a of alerts.filter((_, i) => i % 2 === 0)) await h.intake.handle([a]);
      })(),
      (async () => {
        for (const a of alerts.filter((_, i) => i % 2 === 1)) await second.handle([a]);
      })(),
    ]);
    const list = await incidents();
    expect(list).toHaveLength(1);
    expect(list[0].fields.alertCount).toBe(20);
    expect(await h.store.alerts.count({ incidentId: list[0].id })).toBe(20);
    const notices = await h.drainNotices();
    expect(notices.filter((n) => n.type === 'incident.created')).toHaveLength(1);
    expect(notices.filter((n) => n.type === 'incident.updated')).toHaveLength(19);
    await otherStore.close();
  });

  it('two workers given the same first alert of a group (as on redelivery) open one incident', async () => {
    h = harness();
    // Count create attempts, to show the workers really raced for the same group.
    let creates = 0;
    const incidentsStore = h.store.incidents;
    const racing = {
      ...h.store,
      incidents: Object.assign(Object.create(incidentsStore), {
        create: (inc: Parameters<typeof incidentsStore.create>[0]) => {
          creates++;
          return incidentsStore.create(inc);
        },
      }),
    };
    const first = createAlertIntake({ store: racing, notices: h.notices, now: h.clock.now });
    const second = createAlertIntake({ store: racing, notices: h.notices, now: h.clock.now });
    const a = alert(h.clock);
    const b = alert(h.clock);
    await Promise.all([first.handle([a]), second.handle([b]), first.handle([alert(h.clock)]), second.handle([alert(h.clock)])]);
    const list = await incidents();
    expect(list).toHaveLength(1);
    expect(list[0].fields.alertCount).toBe(4);
    expect(creates).toBeGreaterThan(1);
  });
});

describe('alert intake: recovery from a worker that died mid-way', () => {
  const leftover = (id: string, groupKey: string, state: string) =>
    h.store.incidents.create({ id, title: 'left over', state, severity: 'high', tags: [], ruleIds: [], hosts: [], users: [], groupKey, fields: { alertCount: 1 } });

  it('an open incident created before the worker could record its group claim is joined, not duplicated', async () => {
    h = harness();
    const a = alert(h.clock);
    const id = stableId('incident', a.groupKey, '0', '');
    await leftover(id, a.groupKey, 'new');
    const r = await h.intake.handle([a]);
    expect(r.created).toEqual([]);
    expect(r.joined).toEqual([id]);
    expect((await h.store.alerts.get(a.id))?.incidentId).toBe(id);
  });

  it('such an incident that was closed since does not swallow new alerts', async () => {
    h = harness();
    const a = alert(h.clock);
    const id = stableId('incident', a.groupKey, '0', '');
    await leftover(id, a.groupKey, 'closed');
    const r = await h.intake.handle([a]);
    expect(r.created).toHaveLength(1);
    expect(r.created[0]).not.toBe(id);
    expect((await h.store.incidents.get(r.created[0]))?.state).toBe('new');
  });
});

describe('alert intake: redelivery of an alert whose intake died half-way', () => {
  it('is ignored while the first intake may still be running, then grouped once by one worker', async () => {
    h = harness({ intakeLeaseMs: 5 * MIN });
    const a = alert(h.clock);
    // A worker stored the alert and died before grouping it.
    await h.store.alerts.put([{ ...a, data: { intakeAt: new Date(h.clock.ms).toISOString() } }]);
    h.clock.advance(MIN);
    const early = await h.intake.handle([a]);
    expect(early).toMatchObject({ duplicates: [a.id], recovered: [], created: [] });
    h.clock.advance(5 * MIN);
    const second = createAlertIntake({ store: h.store, notices: h.notices, now: h.clock.now });
    const [r1, r2] = await Promise.all([h.intake.handle([a]), second.handle([a])]);
    expect([...r1.recovered, ...r2.recovered]).toEqual([a.id]);
    const list = await incidents();
    expect(list).toHaveLength(1);
    expect(list[0].fields.alertCount).toBe(1);
    expect((await h.store.alerts.get(a.id))?.incidentId).toBe(list[0].id);
    h.clock.advance(10 * MIN);
    expect((await h.intake.handle([a])).recovered).toEqual([]);
  });

  it('an alert counted into its incident but not yet linked is linked without counting it twice', async () => {
    h = harness();
    const first = await h.intake.handle([alert(h.clock)]);
    const b = alert(h.clock);
    await h.intake.handle([b]);
    // As if the worker died between counting b into the incident and linking b to it.
    await h.store.alerts.update(b.id, { incidentId: undefined });
    h.clock.advance(6 * MIN);
    const r = await h.intake.handle([b]);
    expect(r.recovered).toEqual([b.id]);
    expect(r.joined).toEqual(first.created);
    const inc = await h.store.incidents.get(first.created[0]);
    expect(inc?.fields.alertCount).toBe(2);
    expect((await h.store.alerts.get(b.id))?.incidentId).toBe(first.created[0]);
  });
});

describe('alert intake: exceptions and suppression', () => {
  it('an exception from a false positive takes effect with the next alert', async () => {
    h = harness();
    const r = await h.intake.handle([alert(h.clock, { ip: '10.0.0.5', host: 'bastion' })]);
    const [fp] = (await h.store.alerts.list({}, { limit: 10 })).items;
    await h.service.markFalsePositive(fp.id, { reason: 'vulnerability scanner', exception: [{ field: 'source.ip', value: '10.0.0.5' }] }, { actor: analyst });
    await h.drainNotices();
    const next = alert(h.clock, { ip: '10.0.0.5', host: 'bastion' });
    const other = alert(h.clock, { ip: '10.0.0.6', host: 'bastion' });
    const r2 = await h.intake.handle([next, other]);
    expect(r2.excepted).toEqual([next.id]);
    const stored = await h.store.alerts.get(next.id);
    expect(stored?.status).toBe('closed');
    expect(stored?.data.exceptedBy).toBeTruthy();
    expect(stored?.incidentId).toBeUndefined();
    const inc = await h.store.incidents.get(r.created[0]);
    expect(inc?.fields.alertCount).toBe(1);
    const notices = await h.drainNotices();
    expect(notices.some((n) => n.alertId === next.id)).toBe(false);
    expect(notices.some((n) => n.alertId === other.id && n.type === 'alert.created')).toBe(true);
  });

  it('an exception only covers its rule', async () => {
    h = harness();
    await h.service.exceptions.add({ ruleId: 'other-rule', conditions: [{ field: 'source.ip', value: '203.0.113.7' }], reason: 'x', createdBy: 'test', createdAt: new Date().toISOString() });
    const r = await h.intake.handle([alert(h.clock)]);
    expect(r.excepted).toEqual([]);
    expect(r.created).toHaveLength(1);
  });

  it('a suppressed alert is stored and linked to the open incident but raises no notice', async () => {
    h = harness();
    const first = await h.intake.handle([alert(h.clock)]);
    await h.store.docs.put('suppressions', 'maint', { ruleId: 'vigil-ssh-bruteforce', entity: 'WEB-01', until: new Date(h.clock.ms + HOUR).toISOString(), reason: 'maintenance' });
    await h.drainNotices();
    const s = alert(h.clock);
    const r = await h.intake.handle([s]);
    expect(r.suppressed).toEqual([s.id]);
    const stored = await h.store.alerts.get(s.id);
    expect(stored?.incidentId).toBe(first.created[0]);
    expect(stored?.data.suppressedBy).toMatchObject({ reason: 'maintenance' });
    expect(await h.drainNotices()).toEqual([]);
    const inc = await h.store.incidents.get(first.created[0]);
    expect(inc?.fields.alertCount).toBe(2);
    // Another entity is not suppressed; the window ends at `until`.
    const other = await h.intake.handle([alert(h.clock, { host: 'web-02', ip: '192.0.2.1' })]);
    expect(other.suppressed).toEqual([]);
    h.clock.advance(HOUR);
    const after = await h.intake.handle([alert(h.clock)]);
    expect(after.suppressed).toEqual([]);
  });

  it('configured suppression without an open incident stores the alert unlinked', async () => {
    h = harness({ suppressions: [{ ruleId: '*', entity: '203.0.113.7' }] });
    const a = alert(h.clock);
    const r = await h.intake.handle([a]);
    expect(r.suppressed).toEqual([a.id]);
    expect(await incidents()).toHaveLength(0);
    expect((await h.store.alerts.get(a.id))?.status).toBe('open');
    expect(await h.drainNotices()).toEqual([]);
  });
});
