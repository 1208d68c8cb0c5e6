// Browser-side check of a report's detached CMS (PKCS#7) SignedData (RFC 5652 §5): the
// messageDigest attribute must equal the SHA-256 of the downloaded bytes, and the RSA signature
// over the DER of the signed attributes must verify with the certificate the signature carries
// (WebCrypto). Trust in that certificate (the instance CA) is checked by `vigil report verify`.

interface Node {
  tag: number;
  /** Offset of the tag byte in the buffer. */
  start: number;
  /** Offset of the contents. */
  body: number;
  end: number;
  children?: Node[];
}

function parse(buf: Uint8Array, at = 0): Node {
  const tag = buf[at];
  let len = buf[at + 1];
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i];
    body = at + 2 + n;
  }
  const end = body + len;
  if (end > buf.length) throw new Error('truncated DER');
  const node: Node = { tag, start: at, body, end };
  // Constructed types (bit 6) hold further elements.
  if (tag & 0x20) {
    node.children = [];
    for (let p = body; p < end; ) {
      const c = parse(buf, p);
      node.children.push(c);
      p = c.end;
    }
  }
  return node;
}

function kids(n: Node | undefined): Node[] {
  if (!n?.children) throw new Error('malformed signature structure');
  return n.children;
}

function oid(buf: Uint8Array, n: Node): string {
  const b = buf.subarray(n.body, n.end);
  const parts = [Math.floor(b[0] / 40), b[0] % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i] & 0x7f);
    if (!(b[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

function text(buf: Uint8Array, n: Node): string {
  return new TextDecoder().decode(buf.subarray(n.body, n.end));
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function utcTime(s: string): string | undefined {
  // YYMMDDHHMMSSZ (UTCTime) or YYYYMMDDHHMMSSZ (GeneralizedTime)
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return undefined;
  const year = m[1].length === 2 ? (Number(m[1]) >= 50 ? 1900 : 2000) + Number(m[1]) : Number(m[1]);
  return new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]))).toISOString();
}

const OID = {
  signedData: '1.2.840.113549.1.7.2',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  commonName: '2.5.4.3',
};

export interface CmsCheck {
  valid: boolean;
  reason?: string;
  signer?: string;
  signingTime?: string;
}

function b64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function verifyDetachedCms(content: Uint8Array, signatureBase64: string): Promise<CmsCheck> {
  try {
    const der = b64(signatureBase64);
    const info = parse(der);
    const [ctype, wrapped] = kids(info);
    if (oid(der, ctype) !== OID.signedData) return { valid: false, reason: 'not a CMS SignedData' };
    const sd = kids(kids(wrapped)[0]);
    const certs = sd.find((n) => n.tag === 0xa0);
    const signerInfos = sd[sd.length - 1];
    const si = kids(kids(signerInfos)[0]);
    const attrs = si.find((n) => n.tag === 0xa0);
    const sigValue = si.find((n) => n.tag === 0x04);
    if (!attrs || !sigValue) return { valid: false, reason: 'no signed attributes' };

    let digest: string | undefined;
    let signingTime: string | undefined;
    for (const a of kids(attrs)) {
      const [type, values] = kids(a);
      const v = kids(values)[0];
      const id = oid(der, type);
      if (id === OID.messageDigest) digest = hex(der.subarray(v.body, v.end));
      if (id === OID.signingTime) signingTime = utcTime(text(der, v));
    }
    const actual = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', content as Uint8Array<ArrayBuffer>)));
    if (digest !== actual) return { valid: false, reason: `SHA-256 of the file is ${actual}, the signature covers ${digest ?? 'nothing'}`, signingTime };

    // The certificate: tbsCertificate's subjectPublicKeyInfo follows version?, serial, algorithm,
    // issuer, validity, subject.
    const cert = kids(certs)[0];
    const tbs = kids(kids(cert)[0]);
    const off = tbs[0].tag === 0xa0 ? 1 : 0;
    const subject = tbs[off + 4];
    const spki = tbs[off + 5];
    let signer: string | undefined;
    for (const rdn of kids(subject)) {
      for (const atv of kids(rdn)) {
        const [type, value] = kids(atv);
        if (oid(der, type) === OID.commonName) signer = text(der, value);
      }
    }
    const key = await crypto.subtle.importKey('spki', der.slice(spki.start, spki.end), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
    // The signature covers the attributes encoded as a SET (tag 0x31), not as the [0] they are stored under.
    const signed = der.slice(attrs.start, attrs.end);
    signed[0] = 0x31;
    const ok = await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, der.slice(sigValue.body, sigValue.end), signed);
    return ok ? { valid: true, signer, signingTime } : { valid: false, reason: 'the RSA signature does not match the signed attributes', signer, signingTime };
  } catch (err) {
    return { valid: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
