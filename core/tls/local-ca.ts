// VIGIL_TLS=auto: a local certificate authority and a server certificate, created once with
// node-forge in the data directory and reused afterwards. Also signs reports later (the CA key).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

export interface TlsMaterial {
  cert: string;
  key: string;
  ca: string;
  /** True when this call created the files. */
  created: boolean;
  dir: string;
}

function serial(): string {
  // Positive 16-byte serial (leading nibble < 8 keeps it positive in DER).
  return `0${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}

function makeCa(): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600_000);
  const attrs = [
    { name: 'commonName', value: `Vigil local CA (${hostname()})` },
    { name: 'organizationName', value: 'Vigil' },
  ];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function makeServerCert(
  ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey },
  names: string[],
): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 397 * 24 * 3600_000);
  cert.setSubject([{ name: 'commonName', value: names[0] }]);
  cert.setIssuer(ca.cert.subject.attributes);
  const altNames = names.map((n) => (/^[\d.]+$/.test(n) || n.includes(':') ? { type: 7, ip: n } : { type: 2, value: n }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

/** Loads the TLS material from `<dataDir>/tls`, creating the CA and server certificate on first use. */
export function ensureLocalTls(dataDir: string, host: string): TlsMaterial {
  const dir = join(dataDir, 'tls');
  const paths = { caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server-key.pem') };
  if (Object.values(paths).every((p) => existsSync(p))) {
    return { cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8'), ca: readFileSync(paths.caCert, 'utf8'), created: false, dir };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = makeCa();
  const names = [...new Set(['localhost', hostname(), '127.0.0.1', '::1', ...(host && host !== '0.0.0.0' && host !== '::' ? [host] : [])])];
  const server = makeServerCert(ca, names);
  const caPem = forge.pki.certificateToPem(ca.cert);
  const certPem = forge.pki.certificateToPem(server.cert) + caPem;
  const keyPem = forge.pki.privateKeyToPem(server.key);
  writeFileSync(paths.caCert, caPem, { mode: 0o644 });
  writeFileSync(paths.caKey, forge.pki.privateKeyToPem(ca.key), { mode: 0o600 });
  writeFileSync(paths.cert, certPem, { mode: 0o644 });
  writeFileSync(paths.key, keyPem, { mode: 0o600 });
  return { cert: certPem, key: keyPem, ca: caPem, created: true, dir };
}
