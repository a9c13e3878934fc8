// The credentials a local broker issues as Event Hubs does: SAS keys per topic, Listen-only and namespace-wide,
// the JAAS line that hands them to the broker, and the run-local CA and server certificate.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '../core/redact.js';
import { createCa, issueServerCert, type CertificateAuthority, type KeyAndCert } from './certs.js';
import type { TopicSpec } from './topics.js';

/** The namespace the broker's keys name (Endpoint=sb://localhost/): a key for another namespace fails SASL. */
export const LOCAL_NAMESPACE_HOST = 'localhost';
/** Event Hubs' default namespace-level policy: Manage, Send and Listen on every event hub. */
export const NAMESPACE_KEY_NAME = 'RootManageSharedAccessKey';

/** Event Hubs SAS rights: Send writes, Listen reads, Manage does everything (creating topics included). */
export type KeyRight = 'send' | 'listen' | 'manage';

/** One key the broker issued, as an Event Hubs shared access policy. */
export interface IssuedKey {
  readonly name: string;
  /** The topic (event hub) the key is scoped to; none for a namespace-level key. */
  readonly entity?: string;
  readonly rights: readonly KeyRight[];
  /** A topic's second Send+Listen key: what a custom endpoint lists as its secondary connection string. */
  readonly secondary?: boolean;
  /** Endpoint=sb://localhost/;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=...]: a secret. */
  readonly connectionString: string;
}

/** The connection strings a broker issued (secrets). */
export interface BrokerKeys {
  /** Each topic's own key, Send and Listen, EntityPath=the topic: what an Eventstream custom endpoint hands out. */
  readonly byTopic: Readonly<Record<string, string>>;
  /**
   * Each topic's second key, Send and Listen, EntityPath=the topic: the custom endpoint's secondary connection string.
   * Event Hubs gives one policy two keys under one name; this broker holds one key per name, so it is a second name.
   */
  readonly secondaryByTopic: Readonly<Record<string, string>>;
  /** The namespace-level key (no EntityPath): reaches every topic. */
  readonly namespace: string;
  /** A Listen-only key for the first topic: it may log in, describe and read, not write. */
  readonly listenOnly: string;
  /** Each topic's Listen-only key, EntityPath=the topic: a key whose rights deny writing to that topic. */
  readonly listenOnlyByTopic: Readonly<Record<string, string>>;
}

/** A key's name as a JAAS option may carry it (Kafka's JAAS parser takes letters, digits and "_" safely). */
function keyName(prefix: string, topic: string): string {
  return `${prefix}_${topic.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** A fresh random key (32 bytes, base64, as Event Hubs issues), registered as a secret at once. */
function issueKey(name: string, rights: readonly KeyRight[], entity?: string, secondary?: boolean): IssuedKey & { readonly secret: string } {
  const secret = randomBytes(32).toString('base64');
  const connectionString = `Endpoint=sb://${LOCAL_NAMESPACE_HOST}/;SharedAccessKeyName=${name};SharedAccessKey=${secret}${entity ? `;EntityPath=${entity}` : ''}`;
  registerSecret(connectionString);
  registerSecret(secret);
  return { name, entity, rights, secret, connectionString, ...(secondary ? { secondary } : {}) };
}

/**
 * The keys a broker issues: three per topic scoped to it (primary and secondary, Send and Listen; one Listen-only),
 * and a namespace key.
 */
export function issueKeys(topics: readonly TopicSpec[]): (IssuedKey & { readonly secret: string })[] {
  const names = new Set<string>();
  // Topic names that differ only in punctuation would give one key name twice: number the later ones.
  const unique = (name: string, i: number) => {
    const free = names.has(name) ? `${name}_${i}` : name;
    names.add(free);
    return free;
  };
  const perTopic = topics.flatMap((t, i) => [
    issueKey(unique(keyName('key', t.name), i), ['send', 'listen'], t.name),
    issueKey(unique(keyName('key2', t.name), i), ['send', 'listen'], t.name, true),
  ]);
  // Listen-only keys after the Send keys: the first topic's stays the first one (brokerKeys' listenOnly).
  const listenOnly = topics.map((t, i) => issueKey(unique(keyName('listen', t.name), i), ['listen'], t.name));
  return [...perTopic, ...listenOnly, issueKey(NAMESPACE_KEY_NAME, ['manage', 'send', 'listen'])];
}

/** Hands the issued keys out by role. */
export function brokerKeys(keys: readonly IssuedKey[]): BrokerKeys {
  const namespace = keys.find((k) => !k.entity);
  const listenOnly = keys.find((k) => k.entity && !k.rights.includes('send'));
  if (!namespace || !listenOnly) throw new Error('the broker issues a namespace key and a Listen-only key');
  const byTopic: Record<string, string> = {};
  const secondaryByTopic: Record<string, string> = {};
  const listenOnlyByTopic: Record<string, string> = {};
  for (const k of keys) {
    if (k.entity && !k.rights.includes('send')) listenOnlyByTopic[k.entity] ??= k.connectionString;
    if (!k.entity || !k.rights.includes('send')) continue;
    if (k.secondary) secondaryByTopic[k.entity] ??= k.connectionString;
    else byTopic[k.entity] ??= k.connectionString;
  }
  return { byTopic, secondaryByTopic, namespace: namespace.connectionString, listenOnly: listenOnly.connectionString, listenOnlyByTopic };
}

/**
 * The JAAS line for the SASL_SSL listener: the keys as options of the login module, read by the callback handler
 * (sas_NAME="ENTITY RIGHTS KEY", ENTITY "*" for the namespace). `$` and most punctuation are fine inside Kafka's
 * double-quoted JAAS values; a double quote is not.
 */
export function sasJaas(keys: readonly (IssuedKey & { readonly secret: string })[]): string {
  const options = keys.map((k) => {
    const value = `${k.entity ?? '*'} ${k.rights.join(',')} ${k.secret}`;
    if (/["\\]/.test(value)) throw new Error(`key ${k.name}: a value for the local broker's JAAS config must not contain a double quote or backslash`);
    return `sas_${k.name}="${value}"`;
  });
  return `org.apache.kafka.common.security.plain.PlainLoginModule required endpoint_host="${LOCAL_NAMESPACE_HOST}" ${options.join(' ')};`;
}

export interface BrokerCredentials {
  readonly ca: CertificateAuthority;
  /** Where the CA certificate clients must trust was written. */
  readonly caFile: string;
  /** Kafka's PEM keystore: the private key and the certificate chain in one file. */
  readonly keystorePem: string;
  /** Everything the broker issued, secrets included, for its server.properties. */
  readonly issued: readonly (IssuedKey & { readonly secret: string })[];
  readonly keys: BrokerKeys;
}

/** A run-local CA and server certificate (or the ones given, e.g. expired on purpose), and fresh keys for these topics. */
export function brokerCredentials(dir: string, topics: readonly TopicSpec[], tls?: { ca: CertificateAuthority; server: KeyAndCert }): BrokerCredentials {
  const ca = tls?.ca ?? createCa();
  const server = tls?.server ?? issueServerCert(ca, { hosts: ['localhost', '127.0.0.1'] });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const issued = issueKeys(topics);
  return { ca, caFile, keystorePem: `${server.keyPem}${server.certPem}`, issued, keys: brokerKeys(issued) };
}
