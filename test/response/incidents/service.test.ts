import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../core/auth/api-keys.ts';
import { incidentPort } from '../../../response/incidents/playbook-port.ts';
import type { PlaybookIncidentPort } from '../../../response/playbooks/model.ts';
import { alert, analyst, type Harness, harness, MIN } from './helpers.ts';

let h: Harness;
afterEach(async () => {
  await h.close();
});

const playbook: Actor = { id: 'playbook:ssh-bruteforce', name: 'ssh-bruteforce', role: 'admin' };

describe('incident service', () => {
  it('detail shows the incident with its alerts, timeline, observables, raw events and clocks', async () => {
    h = harness();
    const ids = await h.store.events.append([
      { '@timestamp': new Date(h.clock.ms).toISOString(), message: 'Failed password for root from 203.0.113.7', source: { ip: '203.0.113.7' } },
      { '@timestamp': new Date(h.clock.ms).toISOString(), message: 'Failed password for admin from 203.0.113.7', source: { ip: '203.0.113.7' } },
    ]);
    const { created } = await h.intake.handle([alert(h.clock, { eventIds: [ids[0]] }), alert(h.clock, { eventIds: [ids[1]], user: 'admin' })]);
    const d = await h.service.detail(created[0]);
    expect(d.alerts).toHaveLength(2);
    expect(d.events.map((e) => e.doc.message).sort()).toEqual(['Failed password for admin from 203.0.113.7', 'Failed password for root from 203.0.113.7']);
    expect(d.timeline.map((e) => e.kind)).toEqual(['created', 'alert_added']);
    expect(d.observables.find((o) => o.type === 'user' && o.value === 'admin')?.count).toBe(1);
    expect(d.phase).toEqual({ key: 'monitor', zh: '监测', en: 'monitor' });
    expect(d.allowedTransitions).toEqual(['triaged', 'closed']);
    expect(d.sla.triage?.status).toBe('running');
    await expect(h.service.detail('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('comment, assign, tag, classify and regrade each leave a timeline entry with actor, an audit entry and a notice', async () => {
    h = harness();
    const { created } = await h.intake.handle([alert(h.clock)]);
    const id = created[0];
    await h.drainNotices();
    await h.service.comment(id, { text: 'looks like a botnet' }, { actor: analyst });
    await h.service.assign(id, { assignee: 'bob' }, { actor: analyst });
    await h.service.tag(id, { add: ['botnet', 'ssh'] }, { actor: analyst });
    await h.service.tag(id, { remove: ['ssh'] }, { actor: analyst });
    await h.service.classify(id, { category: '恶意程序', subcategory: '僵尸网络' }, { actor: analyst });
    await expect(h.service.regrade(id, { grade: 'II', reason: ' ' }, { actor: analyst })).rejects.toMatchObject({ code: 'REQUEST_INVALID', location: { path: '/reason' } });
    await expect(h.service.classify(id, { category: 'network_attack', subcategory: 'ransomware' }, { actor: analyst })).rejects.toThrow(/not in category network_attack \(allowed: scanning_probing/);
    await h.service.regrade(id, { grade: 'II', reason: 'domain controller involved' }, { actor: analyst });
    const inc = await h.service.get(id);
    expect(inc).toMatchObject({ assignee: 'bob', tags: ['botnet'], category: 'malicious_program', subcategory: 'botnet', grade: 'II' });
    expect(inc.fields.gradeSource).toBe('analyst');
    const tl = (await h.store.incidents.timeline(id)).slice(1);
    expect(tl.map((e) => e.kind)).toEqual(['comment', 'assign', 'tag', 'tag', 'classify', 'grade']);
    expect(tl.every((e) => e.actor === 'key:an1 (alice)')).toBe(true);
    expect(tl[5].data).toEqual({ from: 'IV', to: 'II', reason: 'domain controller involved' });
    const audit = await h.store.audit.list({ target: id }, { limit: 20 });
    expect(audit.items.map((a) => a.action).sort()).toEqual(['incident.assign', 'incident.classify', 'incident.comment', 'incident.grade', 'incident.tag', 'incident.tag']);
    const grade = audit.items.find((a) => a.action === 'incident.grade');
    expect(grade?.before).toMatchObject({ grade: 'IV' });
    expect(grade?.after).toMatchObject({ grade: 'II' });
    expect((await h.drainNotices()).filter((n) => n.type === 'incident.updated')).toHaveLength(6);
  });

  it('playbooks set fields and append timeline entries; Vigil-owned fields are refused', async () => {
    h = harness();
    const { created } = await h.intake.handle([alert(h.clock)]);
    const id = created[0];
    await h.service.setFields(id, { blockedIp: '203.0.113.7' }, { actor: playbook });
    await expect(h.service.setFields(id, { sla: {} }, { actor: playbook })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await h.service.appendTimeline(id, { kind: 'playbook_step', data: { step: 'block_ip', status: 'succeeded' } }, { actor: playbook });
    const inc = await h.service.get(id);
    expect(inc.fields.blockedIp).toBe('203.0.113.7');
    expect(inc.fields.observables).toBeDefined();
    const tl = await h.store.incidents.timeline(id);
    expect(tl.slice(1).map((e) => [e.kind, e.actor])).toEqual([
      ['fields_set', 'playbook:ssh-bruteforce (ssh-bruteforce)'],
      ['playbook_step', 'playbook:ssh-bruteforce (ssh-bruteforce)'],
    ]);
  });

  it('list filters by state, grade, host, user, rule, free text and pages with a cursor', async () => {
    h = harness();
    for (let i = 0; i < 5; i++) {
      await h.intake.handle([alert(h.clock, { host: `web-0${i}`, ip: `192.0.2.${i}`, user: i === 3 ? 'mallory' : 'root' })]);
      h.clock.advance(MIN);
    }
    const all = await h.service.list({}, { limit: 2 });
    expect(all.items.map((i) => i.title)).toEqual(['SSH brute force on web-04', 'SSH brute force on web-03']);
    const next = await h.service.list({}, { limit: 2, cursor: all.nextCursor });
    expect(next.items.map((i) => i.hosts[0])).toEqual(['web-02', 'web-01']);
    expect((await h.service.list({ user: 'MALLORY' }, { limit: 10 })).items.map((i) => i.hosts[0])).toEqual(['web-03']);
    expect((await h.service.list({ text: 'web-02' }, { limit: 10 })).items).toHaveLength(1);
    expect((await h.service.list({ ruleId: 'vigil-ssh-bruteforce', state: ['new'], grade: ['IV'] }, { limit: 10 })).items).toHaveLength(5);
  });

  it('merge moves alerts and observables; the source closes as a duplicate; later alerts of its group join the target', async () => {
    h = harness();
    const a = await h.intake.handle([alert(h.clock, { ip: '203.0.113.7' }), alert(h.clock, { ip: '203.0.113.7' })]);
    const b = await h.intake.handle([alert(h.clock, { ip: '203.0.113.8', host: 'web-02', severity: 'critical' })]);
    const [target, source] = [a.created[0], b.created[0]];
    const merged = await h.service.merge(target, source, { actor: analyst });
    expect(merged.severity).toBe('critical');
    expect(merged.hosts.sort()).toEqual(['web-01', 'web-02']);
    expect(merged.fields.alertCount).toBe(3);
    expect(await h.store.alerts.count({ incidentId: target })).toBe(3);
    const src = await h.service.get(source);
    expect(src).toMatchObject({ state: 'closed', fields: { resolution: 'duplicate', mergedInto: target } });
    expect((await h.store.incidents.timeline(target)).map((e) => e.kind)).toContain('merged');
    expect((await h.store.incidents.timeline(source)).map((e) => e.kind)).toEqual(['created', 'merged_into', 'transition']);
    const later = await h.intake.handle([alert(h.clock, { ip: '203.0.113.8', host: 'web-02' })]);
    expect(later.joined).toEqual([target]);
    await expect(h.service.merge(target, source, { actor: analyst })).rejects.toMatchObject({ code: 'INCIDENT_INVALID_TRANSITION' });
    await expect(h.service.merge(target, target, { actor: analyst })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });

  it('bulk applies to each id and reports per id', async () => {
    h = harness();
    const r = await h.intake.handle([alert(h.clock, { ip: '192.0.2.1' }), alert(h.clock, { ip: '192.0.2.2' })]);
    const [one, two] = r.created;
    await h.service.transition(two, { to: 'triaged' }, { actor: analyst });
    const results = await h.service.bulk({ ids: [one, two, 'missing'], assign: { assignee: 'carol' }, tags: { add: ['wave-1'] }, transition: { to: 'triaged' } }, { actor: analyst });
    expect(results[0]).toMatchObject({ id: one, ok: true, state: 'triaged' });
    expect(results[1]).toMatchObject({ id: two, ok: false, error: { code: 'INCIDENT_INVALID_TRANSITION' } });
    expect(results[2]).toMatchObject({ id: 'missing', ok: false, error: { code: 'NOT_FOUND' } });
    // The steps before the failing transition still applied.
    expect(await h.service.get(two)).toMatchObject({ assignee: 'carol', tags: ['wave-1'], state: 'triaged' });
  });

  it('false positives and true-positive closes feed the rule precision counters', async () => {
    h = harness();
    const r = await h.intake.handle([alert(h.clock, { ip: '192.0.2.1' }), alert(h.clock, { ip: '192.0.2.1' }), alert(h.clock, { ip: '192.0.2.2' })]);
    const alerts = (await h.store.alerts.list({}, { limit: 10 })).items;
    const fpAlert = alerts.find((a) => a.entities.sourceIps[0] === '192.0.2.2');
    if (!fpAlert) throw new Error('fixture alert missing');
    const res = await h.service.markFalsePositive(fpAlert.id, { reason: 'backup job' }, { actor: analyst });
    expect(res.alert.status).toBe('false_positive');
    expect(res.verdicts).toEqual({ ruleId: 'vigil-ssh-bruteforce', tp: 0, fp: 1, precision: 0 });
    // Marking it again does not count twice.
    await h.service.markFalsePositive(fpAlert.id, { reason: 'backup job' }, { actor: analyst });
    await h.service.transition(r.created[0], { to: 'closed', resolution: 'true_positive', summary: 'attacker blocked' }, { actor: analyst });
    expect(await h.service.ruleVerdicts('vigil-ssh-bruteforce')).toEqual({ ruleId: 'vigil-ssh-bruteforce', tp: 2, fp: 1, precision: 2 / 3 });
    expect((await h.store.alerts.list({ incidentId: r.created[0] }, { limit: 10 })).items.map((a) => a.status)).toEqual(['closed', 'closed']);
    // Reopening withdraws the close's verdicts; closing as false positive counts them again as fp.
    await h.service.transition(r.created[0], { to: 'triaged' }, { actor: analyst });
    expect(await h.service.ruleVerdicts('vigil-ssh-bruteforce')).toMatchObject({ tp: 0, fp: 1 });
    expect((await h.store.alerts.list({ incidentId: r.created[0] }, { limit: 10 })).items.map((a) => a.status)).toEqual(['open', 'open']);
    await h.service.transition(r.created[0], { to: 'closed', resolution: 'false_positive', summary: 'red team' }, { actor: analyst });
    expect(await h.service.ruleVerdicts('vigil-ssh-bruteforce')).toMatchObject({ tp: 0, fp: 3 });
    const tl = await h.store.incidents.timeline(r.created[1]);
    expect(tl.map((e) => e.kind)).toContain('alert_false_positive');
    const audit = await h.store.audit.list({ action: 'alert.false_positive' }, { limit: 10 });
    expect(audit.items).toHaveLength(2);
  });

  it('exceptions can be listed and deleted per rule; deleting one lets alerts through again', async () => {
    h = harness();
    await h.intake.handle([alert(h.clock)]);
    const [a] = (await h.store.alerts.list({}, { limit: 1 })).items;
    const { exception } = await h.service.markFalsePositive(a.id, { reason: 'scanner', exception: [{ field: 'user.name', value: 'ROOT' }] }, { actor: analyst });
    if (!exception) throw new Error('exception not created');
    expect(await h.service.listExceptions('vigil-ssh-bruteforce')).toEqual([exception]);
    expect((await h.intake.handle([alert(h.clock)])).excepted).toHaveLength(1);
    await expect(h.service.deleteException('other-rule', exception.id, { actor: analyst })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await h.service.deleteException('vigil-ssh-bruteforce', exception.id, { actor: analyst });
    expect(await h.service.listExceptions('vigil-ssh-bruteforce')).toEqual([]);
    expect((await h.intake.handle([alert(h.clock)])).excepted).toHaveLength(0);
  });
});

describe('playbook port', () => {
  it('gives the playbook engine get/transition/setFields/appendTimeline with the service checks', async () => {
    h = harness();
    // Typed as the engine's own port, so a drift between the two fails the typecheck.
    const port: PlaybookIncidentPort = incidentPort(h.service);
    const { created } = await h.intake.handle([alert(h.clock)]);
    const id = created[0];
    expect(await port.get('missing')).toBeUndefined();
    await port.transition(id, { to: 'triaged' }, playbook);
    await expect(port.transition(id, { to: 'recovered' }, playbook)).rejects.toMatchObject({ code: 'INCIDENT_INVALID_TRANSITION' });
    await port.setFields(id, { ticket: 'SOC-12' }, playbook);
    await port.appendTimeline(id, 'playbook_step', { step: 'notify', status: 'succeeded' }, playbook);
    const inc = await port.get(id);
    expect(inc).toMatchObject({ state: 'triaged', fields: { ticket: 'SOC-12' } });
    const kinds = (await h.store.incidents.timeline(id)).map((e) => e.kind);
    expect(kinds).toEqual(['created', 'transition', 'fields_set', 'playbook_step']);
    const audit = await h.store.audit.list({ target: id }, { limit: 10 });
    expect(audit.items.map((a) => a.actor)).toEqual(['playbook:ssh-bruteforce', 'playbook:ssh-bruteforce']);
  });
});
