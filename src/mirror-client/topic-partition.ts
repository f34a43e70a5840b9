/** Kafka's `TopicPartition`. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Orders by topic name (UTF-16 code units, as Java's `String.compareTo`), then partition. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}
