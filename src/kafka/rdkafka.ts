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
  MessageHeader,
} from 'node-rdkafka';

export const { Producer, HighLevelProducer, KafkaConsumer, AdminClient, features, librdkafkaVersion, CODES } = Kafka;
