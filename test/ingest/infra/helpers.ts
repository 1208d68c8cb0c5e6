// Shared bits of the ingest infrastructure tests: a real SQLite store in a temp dir, a sink on
// it, a self-signed TLS certificate made with node-forge, and polling for asynchronous results.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import type { EcsEvent } from '../../../core/ecs.ts';
import { createSqliteEngine } from '../../../core/storage/sqlite/index.ts';
import type { StorageEngine, StoredEvent } from '../../../core/storage/types.ts';
import type { EventSink } from '../../../ingest/pipeline/pipeline.ts';

export const quietLogger = { warn: () => {}, error: () => {}, info: () => {} };

export interface TempStore {
  store: StorageEngine;
  sink: EventSink;
  dir: string;
  all(): Promise<StoredEvent[]>;
  close(): Promise<void>;
}

export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-ingest-'));
  const store = createSqliteEngine({ dataDir: dir });
  return {
    store,
    dir,
    sink: {
      async push(events: EcsEvent[]) {
        await store.events.append(events);
      },
    },
    async all() {
      const page = await store.events.search({}, { limit: 10_000 }, 'asc');
      return page.items;
    },
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(probe: () => Promise<T> | T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await probe();
    if (done(v)) return v;
    if (Date.now() - start > timeoutMs) throw new Error(`waitFor: condition not met within ${timeoutMs} ms (last: ${JSON.stringify(v)})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Pem {
  cert: string;
  key: string;
}

let serial = 1;

/**
 * A certificate built by node-forge (the RSA key comes from node:crypto, which is much faster).
 * Without `issuer` it is self-signed; `ca` makes it a CA that can sign others.
 */
export function makeCert(opts: { cn: string; issuer?: Pem; ca?: boolean } = { cn: 'localhost' }): Pem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pubPem);
  cert.serialNumber = String(serial++).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: opts.cn }]);
  const issuerCert = opts.issuer ? forge.pki.certificateFromPem(opts.issuer.cert) : undefined;
  cert.setIssuer(issuerCert ? issuerCert.subject.attributes : [{ name: 'commonName', value: opts.cn }]);
  cert.setExtensions(
    opts.ca
      ? [{ name: 'basicConstraints', cA: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true }]
      : [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  );
  cert.sign(forge.pki.privateKeyFromPem(opts.issuer?.key ?? keyPem), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

/** A self-signed server certificate for 'localhost' / 127.0.0.1. */
export function selfSignedCert(): Pem {
  return makeCert({ cn: 'localhost' });
}
