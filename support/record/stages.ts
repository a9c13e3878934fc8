// The preflight's stages in order, with the titles the JUnit report shows: read by the preflight, the checks and the report.
import { CHECK_ID, type CheckId } from './ids.js';

export const STAGES = ['dns', 'tcp', 'tls', 'sasl', 'metadata', 'brokers', 'topics'] as const;
export type StageName = (typeof STAGES)[number];

/** Each stage's title (its JUnit test name, frozen: pipelines search for it) and check id. */
export const STAGE_INFO: Readonly<Record<StageName, { readonly title: string; readonly checkId: CheckId }>> = {
  dns: { title: 'DNS: every bootstrap host name resolves', checkId: CHECK_ID.dns },
  tcp: { title: 'TCP: the bootstrap port accepts connections', checkId: CHECK_ID.tcp },
  tls: { title: 'TLS: the certificate is trusted, matches the host, uses TLS 1.2+ and is not near expiry', checkId: CHECK_ID.tls },
  sasl: { title: 'SASL: the endpoint accepts the PLAIN login', checkId: CHECK_ID.sasl },
  metadata: { title: 'Metadata: the endpoint lists its brokers', checkId: CHECK_ID.metadata },
  brokers: { title: 'Brokers: every advertised broker address is reachable from this runner', checkId: CHECK_ID.brokers },
  topics: { title: 'Topics: the configured telemetry and orders topics exist', checkId: CHECK_ID.topics },
};

export const STAGE_TITLES = Object.fromEntries(STAGES.map((s) => [s, STAGE_INFO[s].title])) as Record<StageName, string>;
