/**
 * The one module that imports node-rdkafka. Everything else in kmirror reaches librdkafka through
 * src/kafka/ (main-thread clients) or the native addon (worker threads).
 */
import Kafka from 'node-rdkafka';

export type {
  LibrdKafkaError,
  Metadata,
  Message,
  ProducerGlobalConfig,
  ConsumerGlobalConfig,
  GlobalConfig,
} from 'node-rdkafka';

export const { Producer, KafkaConsumer, AdminClient, features, librdkafkaVersion, CODES } = Kafka;
