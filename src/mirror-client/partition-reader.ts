import { ErrorCodes, KmirrorError } from '../errors.js';
import type { NativeAdmin, RdkafkaSettings, ReadRecord } from '../native/addon.js';

/** As the native addon's `readRecords`: up to `count` records from `fromOffset`, waiting at most `timeoutMs`. */
export type ReadRecords = (settings: RdkafkaSettings, topic: string, partition: number, fromOffset: number, count: number,
  timeoutMs: number) => Promise<readonly ReadRecord[]>;

/** Records asked of one readRecords call. A call returns as soon as it has them. */
const READ_CHUNK_RECORDS = 10_000;
/** How long the first read waits; doubled after each read that delivered nothing. */
const FIRST_READ_WAIT_MS = 1_000;

/**
 * Reads one partition from `from` up to `end` (an end offset listed beforehand), handing every
 * record to `onRecord` in order; returns the offset to continue from next time. Throws
 * KMIRROR_TIMEOUT when `deadline` (epoch ms) passes first: a partial read is never passed off as whole.
 *
 * readRecords cannot say "end of partition": it returns when it has `count` records or its wait
 * is over. Offsets without a record (compacted away, transaction markers) make `count`
 * unreachable, so the end is proven differently: each read after the first starts at the last
 * record already seen (the anchor). A read that delivers the anchor shows the fetch works; if
 * within its whole wait it delivers nothing after the anchor, no record lies before `end`.
 */
export async function readPartitionTo(read: ReadRecords, settings: RdkafkaSettings, topic: string, partition: number,
  from: number, end: number, deadline: number, onRecord: (record: ReadRecord) => void,
  timeoutHint = 'before the deadline; allow more time, or check that the cluster is reachable.'): Promise<number> {
  const readSettings: RdkafkaSettings = { 'auto.offset.reset': 'earliest', ...settings };
  let next = from;
  let anchor: number | null = null;
  let waitMs = FIRST_READ_WAIT_MS;
  while (next < end) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) {
      throw new KmirrorError(ErrorCodes.TIMEOUT,
        `Read ${topic} partition ${partition} up to offset ${next} of ${end} ${timeoutHint}`, { canRetry: true });
    }
    const start = anchor ?? next;
    const want = Math.min(READ_CHUNK_RECORDS, end - start);
    const records = await read(readSettings, topic, partition, start, want, Math.min(waitMs, remainingMs));
    const last = records.at(-1);
    if (last === undefined) {
      waitMs *= 2;
      continue;
    }
    let fresh = 0;
    for (const record of records) {
      if (record.offset < next) continue;
      fresh++;
      onRecord(record);
    }
    next = Math.max(next, last.offset + 1);
    anchor = last.offset;
    if (fresh === 0 && records.length < want) break;
  }
  return Math.max(next, end);
}

/**
 * First and end offset of partition 0 of `topic`; undefined when the topic does not exist.
 * librdkafka answers for a topic it has not seen yet with "no leaders found" until its metadata
 * is refreshed, so a failure is checked against fresh metadata (which also refreshes the cache).
 * (MirrorClient has its own, which names the checkpoints topics that do exist when one is missing.)
 */
export async function partitionBounds(admin: Pick<NativeAdmin, 'listOffsets' | 'metadata'>, topic: string,
  timeoutMs: number): Promise<{ earliest: number; latest: number } | undefined> {
  const list = async () => {
    const [earliest, latest] = await Promise.all((['earliest', 'latest'] as const).map(async (spec) => {
      const [result] = await admin.listOffsets([{ topic, partition: 0, spec }], timeoutMs);
      if (!result || result.error) throw new Error(`cannot list the offsets of ${topic}: ${result?.error?.name ?? 'no answer'}`);
      return result.offset;
    }));
    return { earliest: earliest!, latest: latest! };
  };
  try {
    return await list();
  } catch (err) {
    const metadata = await admin.metadata(timeoutMs);
    const found = metadata.topics.find((t) => t.name === topic);
    if (!found || found.error?.name === 'UNKNOWN_TOPIC_OR_PART') return undefined;
    if (found.partitions.length === 0) throw err;
    return list();
  }
}
