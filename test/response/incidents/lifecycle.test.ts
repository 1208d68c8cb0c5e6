import { afterEach, describe, expect, it } from 'vitest';
import { VigilError } from '../../../core/errors.ts';
import { incidentStates, phases, transitions } from '../../../response/incidents/lifecycle.ts';
import { alert, analyst, type Harness, harness, MIN } from './helpers.ts';

let h: Harness;
let open = false;
afterEach(async () => {
  if (open) await h.close();
  open = false;
});
function start(): Harness {
  open = true;
  return harness();
}

async function incidentIn(state: string): Promise<string> {
  const r = await h.intake.handle([alert(h.clock, { ip: `192.0.2.${Math.floor(Math.random() * 250)}`, groupKey: `g-${Math.random()}` })]);
  const id = r.created[0];
  const path: Record<string, string[]> = {
    new: [],
    triaged: ['triaged'],
    contained: ['triaged', 'contained'],
    eradicated: ['triaged', 'contained', 'eradicated'],
    recovered: ['triaged', 'contained', 'recovered'],
    closed: ['closed'],
  };
  for (const to of path[state]) await h.service.transition(id, { to, resolution: 'true_positive', summary: 'done' }, { actor: analyst });
  return id;
}

describe('lifecycle', () => {
  it('every state has a phase; the table matches the design', () => {
    expect(Object.fromEntries(incidentStates.map((s) => [s, phases[s].zh]))).toEqual({
      new: '监测',
      triaged: '预警',
      contained: '处置',
      eradicated: '处置',
      recovered: '恢复',
      closed: '评估',
    });
    expect(transitions.new).toEqual(['triaged', 'closed']);
    expect(transitions.closed).toEqual(['triaged']);
  });

  it('every valid transition succeeds and every invalid one is a 409 naming the allowed states', async () => {
    h = start();
    for (const from of incidentStates) {
      for (const to of incidentStates) {
        const id = await incidentIn(from);
        const attempt = h.service.transition(id, { to, resolution: 'true_positive', summary: 'closing' }, { actor: analyst });
        if (transitions[from].includes(to)) {
          const inc = await attempt;
          expect(inc.state, `${from} → ${to}`).toBe(to);
        } else {
          const err = await attempt.then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err, `${from} → ${to}`).toBeInstanceOf(VigilError);
          expect((err as VigilError).code).toBe('INCIDENT_INVALID_TRANSITION');
          expect((err as VigilError).status).toBe(409);
          expect((err as VigilError).message).toBe(`incident ${id} is '${from}'; cannot go to '${to}' (allowed: ${transitions[from].join(', ')})`);
        }
      }
    }
  });

  it('closing needs a resolution and a summary; both are kept on the incident and timeline', async () => {
    h = start();
    const id = await incidentIn('triaged');
    await expect(h.service.transition(id, { to: 'closed', summary: 'x' }, { actor: analyst })).rejects.toMatchObject({ code: 'REQUEST_INVALID', location: { path: '/resolution' } });
    await expect(h.service.transition(id, { to: 'closed', resolution: 'true_positive' }, { actor: analyst })).rejects.toMatchObject({ code: 'REQUEST_INVALID', location: { path: '/summary' } });
    await expect(h.service.transition(id, { to: 'closed', resolution: 'maybe', summary: 'x' }, { actor: analyst })).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    expect((await h.service.get(id)).state).toBe('triaged');
    h.clock.advance(10 * MIN);
    const closed = await h.service.transition(id, { to: 'closed', resolution: 'benign_positive', summary: 'admin testing' }, { actor: analyst });
    expect(closed.fields.resolution).toBe('benign_positive');
    expect(closed.fields.summary).toBe('admin testing');
    const tl = await h.store.incidents.timeline(id);
    const last = tl[tl.length - 1];
    expect(last).toMatchObject({ kind: 'transition', actor: 'key:an1 (alice)', data: { from: 'triaged', to: 'closed', resolution: 'benign_positive' } });
    const audit = await h.store.audit.list({ target: id, action: 'incident.transition' }, { limit: 10 });
    expect(audit.items[0]).toMatchObject({ actor: 'key:an1', before: { state: 'triaged' }, after: { state: 'closed' } });
  });

  it('reopen goes back to triaged, clears the resolution and keeps when each state was first entered', async () => {
    h = start();
    const id = await incidentIn('triaged');
    const triagedAt = new Date(h.clock.ms).toISOString();
    h.clock.advance(5 * MIN);
    await h.service.transition(id, { to: 'closed', resolution: 'false_positive', summary: 'noise' }, { actor: analyst });
    h.clock.advance(5 * MIN);
    const reopened = await h.service.transition(id, { to: 'triaged' }, { actor: analyst });
    expect(reopened.state).toBe('triaged');
    expect(reopened.fields.resolution).toBeUndefined();
    expect(reopened.fields.reopenCount).toBe(1);
    const entered = reopened.fields.stateEnteredAt as Record<string, string>;
    expect(entered.triaged).toBe(triagedAt);
    expect(Object.keys(entered).sort()).toEqual(['closed', 'new', 'triaged']);
    const notices = (await h.drainNotices()).filter((n) => n.type === 'incident.state_changed');
    expect(notices.map((n) => n.data.to)).toEqual(['triaged', 'closed', 'triaged']);
  });
});
