// The instance's report-signing certificate: issued once by the local CA (core/tls/local-ca.ts,
// `<dataDir>/tls/ca.pem` + `ca-key.pem`, created here when absent) and kept beside it as
// `report-signing.pem` / `report-signing-key.pem`. Key usage is digital signature + non-repudiation
// with the emailProtection extended usage, which is what `openssl cms -verify` checks by default.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { ErrorCode, VigilError } from '../../core/errors.ts';
import { ensureLocalTls } from '../../core/tls/local-ca.ts';

export interface SigningMaterial {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
  ca: forge.pki.Certificate;
  certPem: string;
  caPem: string;
  /** True when this call issued the certificate. */
  created: boolean;
}

export function signingPaths(dataDir: string): { dir: string; cert: string; key: string; ca: string; caKey: string } {
  const dir = join(dataDir, 'tls');
  return { dir, cert: join(dir, 'report-signing.pem'), key: join(dir, 'report-signing-key.pem'), ca: join(dir, 'ca.pem'), caKey: join(dir, 'ca-key.pem') };
}

function readPem(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new VigilError(ErrorCode.CONFIG_INVALID, `${path}: cannot read (${(err as Error).message})`, { source: path });
  }
}

/** The instance CA certificate when the data directory has one (for chain checks). */
export function instanceCa(dataDir: string): forge.pki.Certificate | undefined {
  const { ca } = signingPaths(dataDir);
  return existsSync(ca) ? forge.pki.certificateFromPem(readPem(ca)) : undefined;
}

/** Loads the signing certificate and key, issuing them (and the CA, if needed) on first use. */
export function ensureSigningKey(dataDir: string): SigningMaterial {
  const paths = signingPaths(dataDir);
  if (!existsSync(paths.ca) || !existsSync(paths.caKey)) ensureLocalTls(dataDir, 'localhost');
  const caPem = readPem(paths.ca);
  const ca = forge.pki.certificateFromPem(caPem);
  if (existsSync(paths.cert) && existsSync(paths.key)) {
    const certPem = readPem(paths.cert);
    const cert = forge.pki.certificateFromPem(certPem);
    // A CA re-created since the certificate was issued would make every new report fail its chain check.
    if (ca.verify(cert) && cert.validity.notAfter.getTime() > Date.now()) {
      return { cert, key: forge.pki.privateKeyFromPem(readPem(paths.key)) as forge.pki.rsa.PrivateKey, ca, certPem, caPem, created: false };
    }
  }
  const caKey = forge.pki.privateKeyFromPem(readPem(paths.caKey));
  const keys = forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = `0${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 5 * 365 * 86_400_000);
  cert.setSubject([
    { name: 'commonName', value: `Vigil report signing (${hostname()})` },
    { name: 'organizationName', value: 'Vigil' },
  ]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true },
    { name: 'extKeyUsage', emailProtection: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  writeFileSync(paths.cert, certPem, { mode: 0o644 });
  writeFileSync(paths.key, forge.pki.privateKeyToPem(keys.privateKey), { mode: 0o600 });
  return { cert, key: keys.privateKey, ca, certPem, caPem, created: true };
}
