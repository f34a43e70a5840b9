// A replication shard: one source consumer (a member of the flow's consumer group), one target
// producer, the flow's positions on the target and an offset-sync writer, all driven by the JS
// thread that owns the object (a worker thread) through Pump(). Records go from the consumer to
// the producer without being copied and without entering JavaScript.
//
// The pieces, one job each:
//   partition.{h,cc}           one partition's state machine (pure; the invariants live there)
//   positions.{h,cc}           reading and storing positions on the target, every wait bounded
//   offset-sync-writer.{h,cc}  MM2 OffsetSync records, written from this thread
//   events.h                   what JavaScript is told, one enum and one name table
//   shard.{h,cc}               this file: librdkafka glue, the copy loop and the N-API surface
//
// Threading: every method runs on the owning JS thread. librdkafka callbacks that touch shard
// state (rebalance, delivery reports, commit results, consumer errors) are served from Pump() or
// Close() on that same thread; only log callbacks come from librdkafka's own threads, and they
// touch nothing but `logMutex_`/`logs_`.
//
// Buffer ownership: a consumed rd_kafka_message_t owns its payload and key (they point into the
// fetch buffer). It is produced with msgflags 0 (librdkafka neither copies nor frees them) and
// passed as the delivery opaque; the delivery report destroys it. A record the producer's queue
// cannot take yet waits in `pending_` (its headers re-attached) and is offered again next Pump().
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <napi.h>

#include "../client-config.h"
#include "events.h"
#include "offset-sync-writer.h"
#include "partition.h"
#include "positions.h"

namespace kmirror {

// One source partition in this shard: its state machine, its counters, its offset-sync rule.
// Kept for the shard's lifetime (never erased) so delivery reports that arrive after a
// revocation still find it.
struct Partition {
  Partition(const std::string& topic, int32_t partition, size_t buckets) : rt(topic, partition), latencyBuckets(buckets), ageBuckets(buckets) {}
  PartitionRuntime rt;
  std::string remoteTopic;
  int64_t committed = -1;         // position last stored on the target
  bool consumerPaused = false;    // the fetcher is paused now (a mechanism, not a state)
  // Restarted at the source's start because its position was past the source's end: when the
  // topic ID then says the topic was recreated, it is already copying the new one.
  bool restartedPastEnd = false;
  int64_t lastTargetOffset = -1;
  int64_t lastTimestamp = -1;     // of the newest acknowledged record
  uint64_t records = 0;           // acknowledged
  uint64_t bytes = 0;             // value bytes acknowledged (MM2's byte-count meaning)
  uint64_t latencySumMs = 0;      // ack time − record timestamp
  int64_t latencyMaxMs = 0;
  std::vector<uint64_t> latencyBuckets;  // ack time − record timestamp
  std::vector<uint64_t> ageBuckets;      // fetch time − record timestamp
  uint64_t ageSumMs = 0;
  OffsetSyncRule syncs;
  std::string syncKey;  // MM2's OffsetSync key for this partition, encoded once
};

struct TopicRoute {
  std::string remote;
  std::string topicId;                      // the source topic's ID (base64); empty when unknown
  int64_t maxMessageBytes = 0;              // the remote topic's max.message.bytes; 0 when unknown
  rd_kafka_topic_t* remoteTopic = nullptr;  // producer's handle, owned here
  std::vector<std::unique_ptr<Partition>> partitions;
};

class Shard : public Napi::ObjectWrap<Shard>, public PartitionDriver, public EventSink {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Shard(const Napi::CallbackInfo& info);
  ~Shard() override;

  // PartitionDriver
  void PauseFetch(const PartitionRuntime& p) override;
  void FetchFrom(const PartitionRuntime& p, int64_t offset) override;
  void Emit(const PartitionRuntime& p, EventKind kind, int level, int64_t offset, const std::string& message) override;
  uint64_t DequeueSeq() const override { return dequeueSeq_; }
  // EventSink
  void AddThreadSafe(ShardEvent event) override;

 private:
  // JS API
  Napi::Value SetTopics(const Napi::CallbackInfo& info);
  Napi::Value Pump(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value DrainEvents(const Napi::CallbackInfo& info);
  Napi::Value ResumePartition(const Napi::CallbackInfo& info);
  Napi::Value PausePartition(const Napi::CallbackInfo& info);
  Napi::Value SyncCounts(const Napi::CallbackInfo& info);
  Napi::Value ClientStats(const Napi::CallbackInfo& info);
  Napi::Value ResumeWaiting(const Napi::CallbackInfo& info);
  Napi::Value Stalls(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  // librdkafka callbacks (static trampolines receive the Shard as opaque)
  static void RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque);
  static void DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int StatsCb(rd_kafka_t* rk, char* json, size_t len, void* opaque);

  rd_kafka_t* MakeClient(rd_kafka_type_t type, const ConfigMap& config, const std::string& role, std::string& error);
  rd_kafka_t* MakeProducer(std::string& error);
  void ReplaceProducer(const std::string& reason, int flushMs);
  // Producer settings that follow the remote topics' max.message.bytes; true when they changed.
  bool FollowTopicLimits();

  void OnAssign(rd_kafka_topic_partition_list_t* parts);
  void OnRevoke(rd_kafka_topic_partition_list_t* parts);
  void OnDelivery(const rd_kafka_message_t* msg);
  // Hands one fetched record to the producer; false when the producer's queue is full (the
  // record is kept, headers and all, for the next try).
  bool HandOver(rd_kafka_message_t* msg, uint64_t dequeuedAt);
  size_t DrainPending();
  void Park(rd_kafka_message_t* msg, uint64_t dequeuedAt);
  void ServeConsumerWhileFull();
  void SetBackpressure(bool on);
  void HandleConsumerError(rd_kafka_message_t* msg);
  uint32_t RetryWaiting();
  bool StartFor(Partition& p, int64_t committed, int64_t* start);
  // The stored position was written for an earlier topic with the same name (another topic ID): said, and true.
  bool StoredForEarlierTopic(Partition& p, const rd_kafka_topic_partition_t& stored);
  void StorePositions(bool wait, const rd_kafka_topic_partition_list_t* only, int timeoutMs);
  void OnStored(const rd_kafka_topic_partition_t& p, rd_kafka_resp_err_t err);
  void AdvancePastControlRecords();
  void WriteSync(Partition& p, int64_t upstream, int64_t downstream);
  void FlushTailSyncs();
  void FlushProducer(int64_t deadlineMs);
  void SourceRecreated(TopicRoute& route, const std::string& oldId);
  // Fetch the partition again from `offset` after the fetcher's state was lost (out of range, a new topic).
  void Reassign(Partition& p, int64_t offset, const char* why);
  void TrackStalls(bool fetched);
  Partition* PartitionFor(const std::string& topic, int32_t partition, bool create);
  Partition* PartitionFor(rd_kafka_topic_t* rkt, int32_t partition);
  template <typename F> void ForEachPartition(F f);
  void AddEvent(ShardEvent event);
  void AddPartitionEvent(EventKind kind, int level, const Partition& p, int64_t offset, std::string message, int64_t count = -1);
  void ThrowIfClosed(const Napi::Env& env) const;
  void Destroy();

  std::string name_;
  std::string principal_;        // the source consumer's principal, as far as the settings say
  std::string targetPrincipal_;  // the target producer's
  bool startAtEnd_ = false;  // auto.offset.reset=latest for partitions without a position
  int commitIntervalMs_ = 1000;
  std::vector<int64_t> latencyBucketsMs_;  // from TypeScript (LATENCY_BUCKETS_MS): one table
  bool emitOffsetSyncs_ = true;
  int64_t offsetLagMax_ = 100;  // MM2's offset.lag.max

  ConfigMap producerConfig_;        // kept to build a replacement producer
  bool followTopicLimits_ = false;  // message.max.bytes / batch.size follow the remote topics
  int64_t baseMaxMessageBytes_ = 1000000;
  int64_t baseBatchSize_ = 1000000;
  int64_t producerMaxMessageBytes_ = 1000000;
  bool compressed_ = false;         // the target producer compresses: sizes are only known to the broker

  rd_kafka_t* consumer_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_t* positionsHandle_ = nullptr;
  rd_kafka_queue_t* consumerQueue_ = nullptr;
  std::unique_ptr<PositionStore> positions_;
  std::unique_ptr<OffsetSyncWriter> syncWriter_;
  std::string consumerStats_;  // newest librdkafka statistics JSON of each client
  std::string producerStats_;

  std::unordered_map<std::string, TopicRoute> routes_;            // by source topic name
  std::unordered_map<rd_kafka_topic_t*, TopicRoute*> routeByRkt_; // consumer topic handle → route
  std::vector<rd_kafka_message_t*> batch_;
  std::deque<std::pair<rd_kafka_message_t*, uint64_t>> pending_;  // records the producer could not take yet
  uint64_t dequeueSeq_ = 0;
  bool backpressure_ = false;
  bool producerFatal_ = false;
  std::string producerFatalReason_;
  uint64_t producerResets_ = 0;
  // Since when the target has not acknowledged anything while records wait for it, and since when
  // the source has given nothing while a partition has records to copy (0: not waiting).
  int64_t targetWaitingSinceMs_ = 0;
  int64_t sourceWaitingSinceMs_ = 0;
  int64_t lastSourceCheckMs_ = 0;
  // The newest authentication failure of the source consumer and of the target producer (bad
  // credentials, a certificate refused) and when it came (steady ms); under logMutex_.
  std::string consumerAuthError_, producerAuthError_;
  int64_t consumerAuthErrorMs_ = 0, producerAuthErrorMs_ = 0;

  std::vector<ShardEvent> events_;
  std::mutex logMutex_;
  std::deque<ShardEvent> logs_;
  int64_t lastCommitMs_ = 0;
  int64_t lastWaitingRetryMs_ = 0;
  int64_t closeDeadlineMs_ = 0;  // while closing: every wait ends by then
  bool closing_ = false;
  bool closed_ = false;
  bool subscribed_ = false;
};

}  // namespace kmirror
