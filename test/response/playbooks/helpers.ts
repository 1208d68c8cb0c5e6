// Real parts for playbook tests: a local HTTP receiver (node:http on port 0) standing in for a
// firewall, EDR or chat webhook; an incident port over the real SQLite IncidentStore; loaders
// for the bundled playbooks and connectors.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../../../core/auth/api-keys.ts';
import { ErrorCode, VigilError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import type { Incident, IncidentStore, NewIncident } from '../../../core/storage/types.ts';
import type { PlaybookIncidentPort } from '../../../response/playbooks/index.ts';

export const playbookDir = fileURLToPath(new URL('../../../rules/playbooks/', import.meta.url));

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type Responder = (req: ReceivedRequest, res: ServerResponse, n: number) => void;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Requests whose path starts with `prefix`. */
  at(prefix: string): ReceivedRequest[];
  respond(fn: Responder): void;
  close(): Promise<void>;
}

export const reply = (status: number, body: unknown = { ok: true }): Responder => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startReceiver(responder: Responder = reply(200)): Promise<Receiver> {
  let fn = responder;
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(r);
      fn(r, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    at: (prefix) => requests.filter((r) => r.url.startsWith(prefix)),
    respond: (f) => {
      fn = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const allowed: Record<string, string[]> = {
  new: ['triaged', 'closed'],
  triaged: ['contained', 'closed'],
  contained: ['eradicated', 'recovered', 'closed'],
  eradicated: ['recovered', 'closed'],
  recovered: ['closed'],
  closed: ['triaged'],
};

/** The narrow incident port over the real store, as the composition root adapts the service. */
export function storePort(incidents: IncidentStore, now: () => Date): PlaybookIncidentPort & { actors: string[] } {
  const actors: string[] = [];
  const must = async (id: string): Promise<Incident> => {
    const inc = await incidents.get(id);
    if (!inc) throw new VigilError(ErrorCode.NOT_FOUND, `incident ${id}: not found`);
    return inc;
  };
  return {
    actors,
    get: (id) => incidents.get(id),
    async transition(id, body, actor: Actor) {
      const inc = await must(id);
      if (!allowed[inc.state]?.includes(body.to)) {
        throw new VigilError(ErrorCode.INCIDENT_INVALID_TRANSITION, `incident ${id}: cannot go from ${inc.state} to ${body.to}`);
      }
      actors.push(actor.id);
      const after = await incidents.update(id, inc.version, { state: body.to });
      await incidents.appendTimeline([{ id: newId(), incidentId: id, at: now().toISOString(), actor: actor.id, kind: 'transition', data: { from: inc.state, to: body.to } }]);
      return after;
    },
    async setFields(id, fields) {
      const inc = await must(id);
      return incidents.update(id, inc.version, { fields: { ...inc.fields, ...fields } });
    },
    async appendTimeline(id, kind, data, actor) {
      await incidents.appendTimeline([{ id: newId(), incidentId: id, at: now().toISOString(), actor: actor.id, kind, data }]);
    },
  };
}

export function sshIncident(overrides: Partial<NewIncident> = {}): NewIncident {
  const seen = '2026-03-01T10:00:00.000Z';
  return {
    id: newId(),
    title: 'SSH brute force on web-1 from 203.0.113.7',
    state: 'new',
    severity: 'high',
    tags: [],
    ruleIds: ['vigil-ssh-bruteforce'],
    hosts: ['web-1'],
    users: ['root'],
    fields: {
      observables: [
        { type: 'ip', value: '203.0.113.7', count: 14, firstSeen: seen, lastSeen: seen },
        { type: 'ip', value: '10.0.0.5', count: 2, firstSeen: seen, lastSeen: seen },
        { type: 'host', value: 'web-1', count: 14, firstSeen: seen, lastSeen: seen },
        { type: 'user', value: 'root', count: 9, firstSeen: seen, lastSeen: seen },
      ],
    },
    ...overrides,
  };
}

/** A clock tests move by hand. */
export function manualClock(startIso = '2026-03-01T10:05:00.000Z'): { now: () => Date; advance(ms: number): void; set(iso: string): void } {
  let ms = Date.parse(startIso);
  return {
    now: () => new Date(ms),
    advance: (d) => {
      ms += d;
    },
    set: (iso) => {
      ms = Date.parse(iso);
    },
  };
}
