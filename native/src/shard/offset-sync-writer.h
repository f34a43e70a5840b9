// Writes offset syncs as MM2 OffsetSync records (src/mirror-client/offset-sync.ts has the grammar
// and the golden bytes) to partition 0 of the offset-syncs topic, on the cluster
// offset-syncs.topic.location names, through a producer of its own (idempotent, never gives up).
// MM2's OffsetSyncWriter, without the Java: no sync ever reaches JavaScript.
#pragma once

#include <cstdint>
#include <string>

#include <librdkafka/rdkafka.h>

#include "../client-config.h"
#include "events.h"

namespace kmirror {

// Where librdkafka clients of a shard send their logs and errors (from librdkafka's threads too).
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void AddThreadSafe(ShardEvent event) = 0;
};

class OffsetSyncWriter {
 public:
  // On failure returns nullptr and sets `error`.
  static OffsetSyncWriter* Create(ConfigMap config, const std::string& topic, const std::string& name, EventSink* sink,
                                  std::string& error);
  ~OffsetSyncWriter();
  OffsetSyncWriter(const OffsetSyncWriter&) = delete;
  OffsetSyncWriter& operator=(const OffsetSyncWriter&) = delete;

  // MM2's OffsetSync key: topic:STRING partition:INT32, big-endian.
  static std::string EncodeKey(const std::string& topic, int32_t partition);
  // MM2's OffsetSync value: upstream:INT64 downstream:INT64, big-endian.
  static void EncodeValue(int64_t upstream, int64_t downstream, char out[16]);

  // Queues one sync. False (and counted as dropped) when the producer's queue is full: replication
  // goes on, translation stays exact up to the last sync written and catches up with the next.
  bool Write(const std::string& key, int64_t upstream, int64_t downstream, std::string* error);
  void Poll() { rd_kafka_poll(producer_, 0); }
  // Waits up to timeoutMs for queued syncs to be written.
  void Flush(int timeoutMs) { rd_kafka_flush(producer_, timeoutMs); }
  bool fatal() const { return fatal_; }

  uint64_t written() const { return written_; }
  uint64_t dropped() const { return dropped_; }
  uint64_t failed() const { return failed_; }

 private:
  OffsetSyncWriter() = default;
  static void DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  rd_kafka_t* producer_ = nullptr;
  rd_kafka_topic_t* topic_ = nullptr;
  EventSink* sink_ = nullptr;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t failed_ = 0;
  bool fatal_ = false;
  std::string lastError_;
};

}  // namespace kmirror
