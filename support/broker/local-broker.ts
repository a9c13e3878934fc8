// What every local broker hands out, however it runs (JVM or container), and what starting one takes.
import type { Env } from '../inputs/settings.js';
import type { BrokerKeys } from './keys.js';
import type { TopicSpec } from './topics.js';

export interface LocalBroker {
  readonly kind: 'jvm' | 'container';
  /** FABRIC_* variables that point the suite at this broker (the password included: never print it). */
  readonly env: Env;
  readonly saslPort: number;
  readonly caFile: string;
  /** The first topic's own key (EntityPath=that topic): what FABRIC_KAFKA_PASSWORD holds. A secret, like a real one. */
  readonly connectionString: string;
  /** Every connection string the broker issued, for self tests (secrets: never print them). */
  readonly keys: BrokerKeys;
  /** The internal PLAINTEXT listener, for Kafka's admin tools (JVM broker only). */
  readonly adminBootstrap?: string;
  /** The emulator-shaped SASL_PLAINTEXT listener's port, when the broker was started with one. */
  readonly emulatorPort?: number;
  /** The broker process id (JVM broker only), e.g. to kill it in a fault test. */
  readonly pid?: number;
  stop(): Promise<void>;
}

export interface LocalBrokerOptions {
  /** Topics created before the broker is handed out. Event Hubs does not auto-create, nor does this broker. */
  readonly topics?: readonly TopicSpec[];
  /** Progress lines for people (start-up can take a while the first time). */
  readonly log?: (line: string) => void;
  /** How long start-up may take, resolution of jars excluded. */
  readonly startTimeoutMs?: number;
}
