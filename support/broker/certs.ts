// Generates a throwaway CA and server certificates for the local broker (also expired or mismatched ones for fault tests).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface KeyAndCert {
  /** PKCS#8 private key, as Kafka's PEM keystore wants it. */
  readonly keyPem: string;
  readonly certPem: string;
}

interface Signer {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

export interface CertificateAuthority extends KeyAndCert {
  readonly signer: Signer;
}

function rsaKeys(): { pkcs8: string; publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  // Node generates the key (fast, native); forge only signs.
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pkcs1);
  return { pkcs8, privateKey: forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

/**
 * A positive 16-byte serial in minimal DER form: the first byte in 0x40-0x7f is neither negative (high bit) nor a
 * superfluous zero, which OpenSSL rejects as "illegal padding" (a random first byte of 0x00 did that now and then).
 */
export function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x3f) | 0x40;
  return bytes.toString('hex');
}

const DAY = 86_400_000;

export function createCa(commonName = 'eventstream-readiness local CA'): CertificateAuthority {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 90 * DAY);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { keyPem: keys.pkcs8, certPem: forge.pki.certificateToPem(cert), signer: { cert, key: keys.privateKey } };
}

export interface ServerCertOptions {
  /** DNS names and IP addresses for the subjectAltName. */
  readonly hosts: readonly string[];
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export function issueServerCert(ca: CertificateAuthority, options: ServerCertOptions): KeyAndCert {
  const keys = rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 90 * DAY);
  cert.setSubject([{ name: 'commonName', value: options.hosts[0] ?? 'localhost' }]);
  cert.setIssuer(ca.signer.cert.subject.attributes);
  const altNames = options.hosts.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
  ]);
  cert.sign(ca.signer.key, forge.md.sha256.create());
  return { keyPem: keys.pkcs8, certPem: forge.pki.certificateToPem(cert) + ca.certPem };
}
