// A small HTTP server for the tests that speaks just enough of Elasticsearch's protocol (the
// product header, JSON replies, NDJSON _bulk bodies) to stand in for a cluster, which cannot run
// on the test machine. Each test scripts its replies; the server records what it received and
// keeps the documents a bulk request stored, so a test can check that nothing was lost or doubled.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BulkOp {
  action: 'create' | 'index';
  index: string;
  id: string;
  doc: Record<string, unknown>;
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/** A whole-request reply, or one reply per bulk item (undefined = stored, 201). */
export type BulkScript = (ops: BulkOp[], requestNo: number) => Reply | Array<Reply | undefined> | Promise<Reply | Array<Reply | undefined>>;

export class EsStandIn {
  readonly received: Received[] = [];
  readonly bulks: BulkOp[][] = [];
  /** index → id → document, for every item the stand-in answered 201. */
  readonly stored = new Map<string, Map<string, Record<string, unknown>>>();
  bulkScript: BulkScript = () => [];
  /** Replies to anything that is not _bulk, by `METHOD path`; unscripted requests get 200 {}. */
  routes: Record<string, (r: Received) => Reply> = {};
  private server: Server | undefined;
  url = '';

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void this.handle({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }).then(
          (reply) => {
            res.writeHead(reply.status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
            res.end(JSON.stringify(reply.body ?? {}));
          },
        );
      });
    });
    await new Promise<void>((r) => this.server?.listen(port, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()));
  }

  storedIds(index: string): string[] {
    return [...(this.stored.get(index)?.keys() ?? [])].sort();
  }

  private async handle(r: Received): Promise<Reply> {
    this.received.push(r);
    const path = r.path.split('?')[0];
    if (path.endsWith('/_bulk')) return this.bulk(r);
    const route = this.routes[`${r.method} ${path}`];
    return route ? route(r) : { status: 200, body: {} };
  }

  private async bulk(r: Received): Promise<Reply> {
    const lines = r.body.split('\n').filter((l) => l !== '');
    const ops: BulkOp[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const meta = JSON.parse(lines[i]) as Record<'create' | 'index', { _index: string; _id: string }>;
      const action = 'create' in meta ? 'create' : 'index';
      ops.push({ action, index: meta[action]._index, id: meta[action]._id, doc: JSON.parse(lines[i + 1]) });
    }
    this.bulks.push(ops);
    const script = await this.bulkScript(ops, this.bulks.length);
    if (!Array.isArray(script)) return script;
    let errors = false;
    const items = ops.map((op, i) => {
      const reply = script[i] ?? { status: 201 };
      if (reply.status === 201) {
        let idx = this.stored.get(op.index);
        if (!idx) this.stored.set(op.index, (idx = new Map()));
        if (idx.has(op.id) && op.action === 'create') {
          errors = true;
          return { [op.action]: { _index: op.index, _id: op.id, status: 409, error: { type: 'version_conflict_engine_exception', reason: `[${op.id}]: version conflict, document already exists` } } };
        }
        idx.set(op.id, op.doc);
        return { [op.action]: { _index: op.index, _id: op.id, status: 201, result: 'created', _seq_no: 0, _primary_term: 1 } };
      }
      errors = true;
      return { [op.action]: { _index: op.index, _id: op.id, status: reply.status, ...(reply.body as object) } };
    });
    return { status: 200, body: { took: 1, errors, items } };
  }
}

export function itemError(status: number, type: string, reason: string): Reply {
  return { status, body: { error: { type, reason } } };
}
