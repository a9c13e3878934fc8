// Turns a raw failure (socket, TLS, kafkajs) into a class, a likely cause and what to do about it.
import { kafkaErrorByCode, kafkaErrorByType, kafkaErrorInText, type KafkaErrorClass, type KafkaErrorInfo } from '../facts/kafka-errors.js';
import { redact } from '../core/redact.js';

export type FailureClass =
  | KafkaErrorClass
  | 'dns'
  | 'tcp-refused'
  | 'tcp-timeout'
  | 'tls-untrusted'
  | 'tls-hostname'
  | 'tls-expired'
  | 'tls-expiring'
  | 'tls-protocol'
  | 'tls-timeout'
  | 'auth'
  | 'firewall'
  | 'authorization'
  | 'topic-missing'
  | 'too-large'
  | 'timeout'
  | 'connection-lost'
  | 'config'
  | 'unknown';

export interface Diagnosis {
  readonly failureClass: FailureClass;
  /** What most likely broke, in a sentence. */
  readonly cause: string;
  /** What to do next. */
  readonly hint: string;
  /** The original error's message, redacted. */
  readonly detail: string;
}

interface ErrorLike {
  message?: string;
  code?: string | number;
  /** Kafka's numeric error code, as the preflight's wire client reports it. */
  errorCode?: number;
  type?: string;
  name?: string;
  cause?: unknown;
}

function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let current: unknown = error;
  for (let i = 0; i < 5 && current && typeof current === 'object'; i++) {
    out.push(current);
    current = (current as ErrorLike).cause ?? (current as { originalError?: unknown }).originalError;
  }
  return out;
}

type Explanation = Pick<Diagnosis, 'failureClass' | 'cause' | 'hint'>;

/** A Kafka error's explanation from the one error table, for rules that recognise it by its wording rather than its code. */
function asKafkaError(type: string): Explanation {
  const info = kafkaErrorByType(type);
  if (!info) throw new Error(`${type} is not in the Kafka error table (support/facts/kafka-errors.ts)`);
  return { failureClass: info.failureClass, cause: info.cause, hint: info.hint };
}

/**
 * Failures recognised by their codes and wording, tried in order. A Kafka error named by its code or its upper-case
 * name is decided by the Kafka error table before these rules (see diagnose); the rules that recognise one by other
 * words take its explanation from that table.
 */
const RULES: ReadonlyArray<{ test: (text: string, codes: string[]) => boolean } & Explanation> = [
  {
    test: (t) => /firewall/i.test(t),
    failureClass: 'firewall',
    cause: "the namespace's IP firewall rejected this runner's address",
    hint: "allow the runner's public IP in the Eventstream/Event Hubs networking settings (Private Link is not supported for custom endpoints)",
  },
  {
    test: (_t, c) => c.some((x) => ['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'ENODATA'].includes(x)),
    failureClass: 'dns',
    cause: 'the host name does not resolve',
    hint: 'check FABRIC_KAFKA_BOOTSTRAP for typos against the Eventstream Kafka tab; on a private network check DNS forwarding and VPN',
  },
  {
    test: (_t, c) => c.includes('ECONNREFUSED'),
    failureClass: 'tcp-refused',
    cause: 'nothing accepts connections on that host and port',
    hint: 'check the port (Eventstream/Event Hubs Kafka listens on 9093) and that the endpoint exists',
  },
  {
    test: (t, c) => c.some((x) => ['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID'].includes(x)) || /certificate has expired/i.test(t),
    failureClass: 'tls-expired',
    cause: 'the server certificate is expired or not yet valid',
    hint: "check the runner's clock; if it is right, a proxy is presenting a stale certificate",
  },
  {
    test: (_t, c) => c.includes('CERT_NEAR_EXPIRY'),
    failureClass: 'tls-expiring',
    cause: 'the server certificate is still valid but expires within the failing threshold',
    hint: 'for Eventstream, Microsoft renews it: rerun tomorrow; if a proxy presents it, renew the proxy certificate (READINESS_TLS_CERT_FAIL_DAYS sets the threshold)',
  },
  {
    test: (t, c) => c.includes('ERR_TLS_CERT_ALTNAME_INVALID') || /altnames|Hostname\/IP does not match/i.test(t),
    failureClass: 'tls-hostname',
    cause: 'the certificate is not issued for this host name',
    hint: 'use the exact host from the Eventstream Kafka tab (not an IP or alias); a proxy may be answering instead of Azure',
  },
  {
    test: (t, c) =>
      c.some((x) =>
        [
          'SELF_SIGNED_CERT_IN_CHAIN',
          'DEPTH_ZERO_SELF_SIGNED_CERT',
          'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
          'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
          'UNABLE_TO_GET_ISSUER_CERT',
        ].includes(x),
      ) || /self[- ]signed certificate|unable to (verify|get) .*(certificate|issuer)/i.test(t),
    failureClass: 'tls-untrusted',
    cause: 'the certificate chain is not trusted by this runner',
    hint: 'a TLS-intercepting proxy is likely: set FABRIC_KAFKA_CA_FILE to its CA certificate (never disable verification)',
  },
  {
    test: (t, c) => c.some((x) => x.startsWith('ERR_SSL') || x === 'EPROTO') || /wrong version number|unsupported protocol|handshake failure/i.test(t),
    failureClass: 'tls-protocol',
    cause: 'the TLS handshake failed (protocol or cipher mismatch, or the port does not speak TLS)',
    hint: 'Event Hubs requires TLS 1.2+ on 9093; check that the port is the SASL_SSL listener and no proxy downgrades TLS',
  },
  {
    test: (_t, c) => c.includes('ETLSTIMEOUT'),
    failureClass: 'tls-timeout',
    cause: 'the TCP connection opened but the TLS handshake got no answer',
    hint: 'something accepts TCP but does not speak TLS: a proxy or firewall holding the connection, or the wrong port',
  },
  {
    test: (t, c) => c.includes('KafkaJSSASLAuthenticationError') || /SASL .*authentication failed|Authentication failed/i.test(t),
    ...asKafkaError('SASL_AUTHENTICATION_FAILED'),
  },
  {
    test: (t) => /TopicAuthorization|not authorized to access topic/i.test(t),
    ...asKafkaError('TOPIC_AUTHORIZATION_FAILED'),
  },
  {
    test: (t) => /does not host this topic-partition|Unknown topic/i.test(t),
    ...asKafkaError('UNKNOWN_TOPIC_OR_PARTITION'),
  },
  {
    test: (t) => /too large|exceeds the maximum|larger than the max message size/i.test(t),
    ...asKafkaError('MESSAGE_TOO_LARGE'),
  },
  {
    test: (t, c) => c.some((x) => ['ETIMEDOUT', 'ETCPTIMEOUT'].includes(x)) || /Connection timeout|connect ETIMEDOUT/i.test(t),
    failureClass: 'tcp-timeout',
    cause: 'the TCP connection was not answered in time',
    hint: 'an outbound firewall or proxy is likely blocking the port (9093 for Eventstream); try from another network to confirm',
  },
  {
    test: (t, c) =>
      c.some((x) => ['ECONNRESET', 'EPIPE'].includes(x)) || /Connection (closed|error)|socket hang up|Closed connection|KafkaJSConnectionClosedError/i.test(t),
    failureClass: 'connection-lost',
    cause: 'the connection was dropped by the other side',
    hint: 'the broker restarted, a proxy cut the connection, or a request was over the size limit; rerun and compare with the TCP/TLS checks',
  },
  {
    test: (t, c) => c.includes('DeadlineError') || /did not finish within|Request timed out|KafkaJSRequestTimeoutError|timed out/i.test(t),
    failureClass: 'timeout',
    cause: 'the endpoint did not answer in time',
    hint: 'the network path is slow or blocked, or the endpoint is throttling; compare with the TCP and TLS timings',
  },
];

/** The Kafka protocol error in a cause chain: by kafkajs' `type`, by numeric code, or named in a message. */
function kafkaError(links: readonly ErrorLike[], text: string): KafkaErrorInfo | undefined {
  for (const e of links) {
    const byType = typeof e.type === 'string' ? kafkaErrorByType(e.type) : undefined;
    if (byType) return byType;
    const code = typeof e.errorCode === 'number' ? e.errorCode : e.name === 'KafkaJSProtocolError' && typeof e.code === 'number' ? e.code : undefined;
    const byCode = code !== undefined ? kafkaErrorByCode(code) : undefined;
    if (byCode) return byCode;
  }
  return kafkaErrorInText(text);
}

/** Classifies an error. Codes and names anywhere in the cause chain are taken into account. */
export function diagnose(error: unknown): Diagnosis {
  const links = chain(error);
  const codes = links.flatMap((e) => [e.code, e.type, e.name].filter((x): x is string => typeof x === 'string'));
  const text = links.map((e) => e.message ?? '').join(' | ') || String(error);
  const detail = redact(links[0]?.message ?? String(error));
  const [firewall, ...rest] = RULES;
  // The firewall's refusal arrives as TOPIC_AUTHORIZATION_FAILED: its wording decides before the code does.
  if (firewall?.test(text, codes)) return { failureClass: firewall.failureClass, cause: firewall.cause, hint: firewall.hint, detail };
  const kafka = kafkaError(links, text);
  if (kafka) return { failureClass: kafka.failureClass, cause: kafka.cause, hint: kafka.hint, detail };
  for (const rule of rest) {
    if (rule.test(text, codes)) return { failureClass: rule.failureClass, cause: rule.cause, hint: rule.hint, detail };
  }
  return { failureClass: 'unknown', cause: 'an unexpected error', hint: 'see the detail; rerun with READINESS_KAFKA_LOG=debug for client logs', detail };
}
