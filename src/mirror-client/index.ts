/**
 * kmirror's mirror client: MM2's internal record formats and the MirrorClient that reads them.
 * Applications may depend on this module alone; it never imports the engine.
 */

export { Heartbeat, HEARTBEAT_VERSION, type HeartbeatFields } from './heartbeat.js';
export { Checkpoint, CHECKPOINT_VERSION, type CheckpointFields } from './checkpoint.js';
export { OffsetSync, type OffsetSyncFields } from './offset-sync.js';
export { compareTopicPartitions, type TopicPartition } from './topic-partition.js';
export {
  isRecordFormatError, RecordFormatError, type InternalRecordType, type RecordLocation,
} from './record-format-error.js';
export { ErrorCodes, isKmirrorError, KmirrorError, type ErrorCode } from '../errors.js';
export {
  MirrorClient, withMirrorClient,
  type MirrorClientAdmin, type MirrorClientKafka, type MirrorClientOptions, type TranslatedOffset, type TranslateOptions,
  type WarningListener,
} from './mirror-client.js';
