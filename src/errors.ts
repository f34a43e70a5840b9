/**
 * kmirror's errors are data: one class, a closed set of stable codes, a retriable flag and the
 * cause chain. Callers branch on `code` (or `isKmirrorError`), never on message text.
 */

export const ErrorCodes = {
  /** mm2.properties (or another config source) is invalid; `details` lists every violation. */
  CONFIG_INVALID: 'KMIRROR_CONFIG_INVALID',
  /** A file the user named could not be read. */
  FILE_UNREADABLE: 'KMIRROR_FILE_UNREADABLE',
  /** A custom replication policy module could not be loaded or does not fit the interface. */
  POLICY_INVALID: 'KMIRROR_POLICY_INVALID',
  /** A prerequisite program (java, mvn) is missing or too old. */
  PREREQUISITE_MISSING: 'KMIRROR_PREREQUISITE_MISSING',
  /** The pinned Kafka jars could not be resolved, or did not match their checksums. */
  KAFKA_DISTRIBUTION: 'KMIRROR_KAFKA_DISTRIBUTION',
  /** A local Kafka cluster did not start or stop. */
  LOCAL_KAFKA: 'KMIRROR_LOCAL_KAFKA',
  /** A record on an MM2 internal topic does not follow its wire grammar (RecordFormatError). */
  RECORD_FORMAT: 'KMIRROR_RECORD_FORMAT',
  /** The checkpoints topic for the remote alias does not exist on this cluster. */
  CHECKPOINTS_TOPIC_MISSING: 'KMIRROR_CHECKPOINTS_TOPIC_MISSING',
  /** An operation did not finish within its timeout (e.g. translateOffsets reading the checkpoints topic). */
  TIMEOUT: 'KMIRROR_TIMEOUT',
  /** A metadata or list-offsets request to the cluster failed; `cause` holds librdkafka's error. */
  KAFKA_REQUEST: 'KMIRROR_KAFKA_REQUEST',
  /** A client (MirrorClient) was used after close(). */
  CLIENT_CLOSED: 'KMIRROR_CLIENT_CLOSED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const brand = Symbol.for('kmirror.error');

export interface KmirrorErrorOptions {
  cause?: unknown;
  canRetry?: boolean;
  /** Further human-readable lines (e.g. every config violation), printed after the message. */
  details?: readonly string[];
}

export class KmirrorError extends Error {
  readonly [brand] = true;
  readonly code: ErrorCode;
  readonly canRetry: boolean;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: KmirrorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KmirrorError';
    this.code = code;
    this.canRetry = options.canRetry ?? false;
    this.details = Object.freeze([...(options.details ?? [])]);
  }
}

export function isKmirrorError(value: unknown, code?: ErrorCode): value is KmirrorError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [brand]?: unknown })[brand] === true &&
    (code === undefined || (value as KmirrorError).code === code)
  );
}
