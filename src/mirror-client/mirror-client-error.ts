/**
 * Failures of MirrorClient's requests (not of record bytes: see RecordFormatError). Stable codes,
 * meant to join src/errors.ts's `ErrorCodes`; until then they live here.
 */

export const MirrorClientErrorCodes = {
  /** The checkpoints topic for the remote alias does not exist on this cluster. */
  CHECKPOINTS_TOPIC_MISSING: 'KMIRROR_CHECKPOINTS_TOPIC_MISSING',
  /** translateOffsets did not read the checkpoints topic to its end within its timeout. */
  TIMEOUT: 'KMIRROR_TIMEOUT',
  /** A metadata or list-offsets request to the cluster failed; `cause` holds librdkafka's error. */
  KAFKA_REQUEST: 'KMIRROR_KAFKA_REQUEST',
  /** The client was used after close(). */
  CLOSED: 'KMIRROR_CLIENT_CLOSED',
} as const;

export type MirrorClientErrorCode = (typeof MirrorClientErrorCodes)[keyof typeof MirrorClientErrorCodes];

const brand = Symbol.for('kmirror.mirror-client-error');

export class MirrorClientError extends Error {
  readonly [brand] = true;
  readonly code: MirrorClientErrorCode;
  readonly canRetry: boolean;

  constructor(code: MirrorClientErrorCode, message: string, options: { cause?: unknown; canRetry?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MirrorClientError';
    this.code = code;
    this.canRetry = options.canRetry ?? false;
  }
}

export function isMirrorClientError(value: unknown, code?: MirrorClientErrorCode): value is MirrorClientError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [brand]?: unknown })[brand] === true &&
    (code === undefined || (value as MirrorClientError).code === code)
  );
}
