// Detached CMS (PKCS#7) SignedData over a report's bytes: SHA-256, the signer's certificate
// included, signed attributes contentType, messageDigest and signingTime (RFC 5652 §5). node-forge
// signs but has no CMS verification, so `verifyReportSignature` walks the ASN.1 itself: it checks
// the message digest against the content, the RSA signature over the DER-encoded signed
// attributes with the embedded certificate, and the certificate against the instance CA.
import { createHash } from 'node:crypto';
import forge from 'node-forge';

const { asn1, pki } = forge;
const oids = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  sha256: '2.16.840.1.101.3.4.2.1',
};

export interface Signer {
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** DER bytes of a detached CMS SignedData over `content`. */
export function signDetached(content: Uint8Array, signer: Signer, signingTime: Date = new Date()): Buffer {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(Buffer.from(content).toString('binary'));
  p7.addCertificate(signer.cert);
  p7.addSigner({
    key: signer.key,
    certificate: signer.cert,
    digestAlgorithm: pki.oids.sha256,
    authenticatedAttributes: [
      { type: pki.oids.contentType, value: pki.oids.data },
      { type: pki.oids.messageDigest },
      // forge reads this attribute's value as a Date at sign time.
      { type: pki.oids.signingTime, value: signingTime as unknown as string },
    ],
  });
  p7.sign({ detached: true });
  return Buffer.from(asn1.toDer(p7.toAsn1()).getBytes(), 'binary');
}

export interface VerifyResult {
  valid: boolean;
  /** Why it is not valid (empty when valid). */
  problems: string[];
  digestMatches: boolean;
  signatureMatches: boolean;
  /** trusted: issued by the given CA; untrusted: not; unchecked: no CA given. */
  chain: 'trusted' | 'untrusted' | 'unchecked';
  signer?: string;
  signerSerial?: string;
  issuer?: string;
  signingTime?: string;
  sha256: string;
}

function dn(attrs: forge.pki.CertificateField[]): string {
  return attrs.map((a) => `${a.shortName ?? a.name}=${String(a.value)}`).join(', ');
}

function isContext(node: forge.asn1.Asn1, type: number): boolean {
  return node.tagClass === asn1.Class.CONTEXT_SPECIFIC && node.type === type;
}

function children(node: forge.asn1.Asn1 | undefined, what: string): forge.asn1.Asn1[] {
  if (!node || !Array.isArray(node.value)) throw new Error(`${what}: expected a constructed ASN.1 value`);
  return node.value as forge.asn1.Asn1[];
}

function bytes(node: forge.asn1.Asn1 | undefined, what: string): string {
  if (!node || typeof node.value !== 'string') throw new Error(`${what}: expected a primitive ASN.1 value`);
  return node.value;
}

/**
 * Verifies a detached signature over `content`. Never throws for a bad signature: a malformed
 * file is reported as a problem.
 */
export function verifyReportSignature(content: Uint8Array, signatureDer: Uint8Array, ca?: forge.pki.Certificate): VerifyResult {
  const sha256 = createHash('sha256').update(content).digest();
  const result: VerifyResult = { valid: false, problems: [], digestMatches: false, signatureMatches: false, chain: 'unchecked', sha256: sha256.toString('hex') };
  try {
    const root = asn1.fromDer(forge.util.createBuffer(Buffer.from(signatureDer).toString('binary')));
    const [typeNode, wrapped] = children(root, 'ContentInfo');
    if (asn1.derToOid(bytes(typeNode, 'ContentInfo.contentType')) !== oids.signedData) throw new Error('ContentInfo: not a SignedData');
    const sd = children(children(wrapped, 'ContentInfo.content')[0], 'SignedData');
    const certs = (sd.find((n) => isContext(n, 0))?.value as forge.asn1.Asn1[] | undefined)?.map((c) => pki.certificateFromAsn1(c)) ?? [];
    const signerInfos = children(sd[sd.length - 1], 'SignedData.signerInfos');
    if (signerInfos.length !== 1) throw new Error(`SignedData: expected one signer, found ${signerInfos.length}`);
    const si = children(signerInfos[0], 'SignerInfo');
    const [sidIssuer, sidSerial] = children(si[1], 'SignerInfo.sid');
    const digestOid = asn1.derToOid(bytes(children(si[2], 'SignerInfo.digestAlgorithm')[0], 'digestAlgorithm'));
    if (digestOid !== oids.sha256) throw new Error(`SignerInfo: digest algorithm ${digestOid} is not SHA-256`);
    const attrsNode = si.find((n) => isContext(n, 0));
    if (!attrsNode) throw new Error('SignerInfo: no signed attributes');
    const signature = bytes(si.find((n) => n.tagClass === asn1.Class.UNIVERSAL && n.type === asn1.Type.OCTETSTRING), 'SignerInfo.signature');

    const serialHex = forge.util.bytesToHex(bytes(sidSerial, 'sid.serialNumber')).replace(/^0+/, '');
    const issuerDer = asn1.toDer(sidIssuer).getBytes();
    const cert = certs.find(
      (c) => c.serialNumber.replace(/^0+/, '') === serialHex && asn1.toDer(pki.distinguishedNameToAsn1(c.issuer)).getBytes() === issuerDer,
    );
    if (!cert) throw new Error('SignedData: the signer certificate is not included');
    result.signer = dn(cert.subject.attributes);
    result.issuer = dn(cert.issuer.attributes);
    result.signerSerial = cert.serialNumber;

    let messageDigest: string | undefined;
    for (const attr of children(attrsNode, 'signedAttrs')) {
      const [oidNode, values] = children(attr, 'Attribute');
      const oid = asn1.derToOid(bytes(oidNode, 'Attribute.type'));
      const value = children(values, 'Attribute.values')[0];
      if (oid === oids.messageDigest) messageDigest = bytes(value, 'messageDigest');
      else if (oid === oids.signingTime) {
        const t = bytes(value, 'signingTime');
        result.signingTime = (value.type === asn1.Type.UTCTIME ? asn1.utcTimeToDate(t) : asn1.generalizedTimeToDate(t)).toISOString();
      }
    }
    if (messageDigest === undefined) throw new Error('SignerInfo: no messageDigest attribute');
    result.digestMatches = messageDigest === sha256.toString('binary');
    if (!result.digestMatches) result.problems.push(`the report's SHA-256 (${result.sha256}) differs from the signed digest (${forge.util.bytesToHex(messageDigest)}): the report was changed`);

    // The signature covers the signed attributes DER-encoded as a SET (RFC 5652 §5.4), not as the [0] they are stored under.
    const signedDer = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, children(attrsNode, 'signedAttrs'))).getBytes();
    const md = forge.md.sha256.create();
    md.update(signedDer);
    try {
      result.signatureMatches = (cert.publicKey as forge.pki.rsa.PublicKey).verify(md.digest().getBytes(), signature);
    } catch {
      result.signatureMatches = false;
    }
    if (!result.signatureMatches) result.problems.push('the signature does not match the signed attributes and the embedded certificate');

    if (ca) {
      let issued = false;
      try {
        issued = ca.verify(cert);
      } catch {
        issued = false;
      }
      result.chain = issued ? 'trusted' : 'untrusted';
      if (!issued) result.problems.push(`the signer certificate (issuer ${result.issuer}) was not issued by the instance CA (${dn(ca.subject.attributes)})`);
    }
    if (result.signingTime) {
      const at = Date.parse(result.signingTime);
      if (at < cert.validity.notBefore.getTime() || at > cert.validity.notAfter.getTime()) {
        result.problems.push(`signing time ${result.signingTime} is outside the certificate's validity (${cert.validity.notBefore.toISOString()} – ${cert.validity.notAfter.toISOString()})`);
      }
    }
  } catch (err) {
    result.problems.push(`the signature file is not a readable detached CMS signature: ${(err as Error).message}`);
  }
  result.valid = result.problems.length === 0 && result.digestMatches && result.signatureMatches;
  return result;
}
