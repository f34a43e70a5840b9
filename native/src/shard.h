// A replication shard: one source consumer (a member of the flow's consumer group), one target
// producer and one target handle for positions, all driven by the JS thread that owns the object
// (a worker thread) through Pump(). Records go from the consumer to the producer without being
// copied and without entering JavaScript.
//
// Threading: every method runs on the owning JS thread. librdkafka callbacks that touch shard
// state (rebalance, delivery reports, commit results, consumer errors) are served from Pump() on
// that same thread; only the log callback comes from librdkafka's own threads, and it touches
// nothing but `logMutex_`/`logs_`. No V8 objects are held outside a CallbackInfo's scope.
//
// Buffer ownership: a consumed rd_kafka_message_t owns its payload and key (they point into the
// fetch buffer). It is produced with msgflags 0 (librdkafka neither copies nor frees them) and
// passed as the delivery opaque; the delivery report destroys it. So every fetched record lives
// exactly until the target acknowledged it (or the shard gave up on it).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <librdkafka/rdkafka.h>
#include <napi.h>

#include "client-config.h"

namespace kmirror {

// Running: copying. Waiting: paused until the target can take it (its remote partition does not
// exist yet); resumed by resumeWaiting(). Failed: stopped until an operator acts. Revoked: not ours.
// Paused: stopped by an operator until resumed.
enum class PartitionStatus { Running, Paused, Waiting, Failed, Revoked };

// Upper bounds (ms) of the latency/age histogram buckets; one more bucket counts the rest.
// Must match LATENCY_BUCKETS_MS in src/engine/view.ts.
constexpr int64_t kLatencyBucketsMs[] = {5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000};
constexpr size_t kLatencyBuckets = sizeof(kLatencyBucketsMs) / sizeof(kLatencyBucketsMs[0]) + 1;

// Per source partition. Kept for the shard's lifetime (never erased) so delivery reports that
// arrive after a revocation still find it.
struct PartitionState {
  std::string topic;
  std::string remoteTopic;
  int32_t partition = 0;
  PartitionStatus status = PartitionStatus::Revoked;
  // Next source offset to resume from: every record below it is acknowledged by the target.
  int64_t position = -1;
  // Position last committed to the target's positions group.
  int64_t committed = -1;
  // Source offset right after the newest record handed to the producer.
  int64_t produced = -1;
  // The first offset that permanently failed, or -1. `position` never passes it.
  int64_t failedAt = -1;
  std::string failure;
  // A batch was refused as too large: the position may not pass `holdAt` until the culprit is
  // known. Records are then sent one at a time (`singleStep`) up to `isolateUntil`, so the
  // record that fails alone is the one reported.
  int64_t holdAt = -1;
  int64_t isolateUntil = -1;
  bool singleStep = false;
  bool paused = false;
  // Assigned, but its stored position could not be read yet (WAITING until it can).
  bool positionUnknown = false;
  int64_t lastTargetOffset = -1;
  int64_t lastTimestamp = -1;  // of the newest acknowledged record
  uint64_t records = 0;        // acknowledged
  uint64_t bytes = 0;          // value bytes acknowledged (MM2's byte-count meaning)
  uint64_t inFlight = 0;
  uint64_t latencySumMs = 0;   // sum over acknowledged records of ack time − record timestamp
  int64_t latencyMaxMs = 0;
  uint64_t latencyBuckets[kLatencyBuckets] = {};  // ack time − record timestamp
  uint64_t ageBuckets[kLatencyBuckets] = {};      // fetch time − record timestamp
  uint64_t ageSumMs = 0;
  // Offset syncs: the (upstream, downstream) pair of the previous acknowledged record, and of
  // the last one turned into a sync. A sync is taken whenever the mapping is not the previous
  // one shifted by one (so translation between syncs is exact), when MM2 would take one
  // (offset.lag.max), and for the newest record at each position flush if it is not one yet.
  int64_t prevUpstream = -1;
  int64_t prevDownstream = -1;
  int64_t syncUpstream = -1;
  int64_t syncDownstream = -1;
  // MM2's OffsetSync key for this partition (topic:STRING partition:INT32), encoded once.
  std::string syncKey;
};

struct TopicRoute {
  std::string remote;
  rd_kafka_topic_t* remoteTopic = nullptr;  // producer's handle, owned here
  std::vector<std::unique_ptr<PartitionState>> partitions;
};

// Something JS should know about: a log line, a failure, a data-loss event.
struct ShardEvent {
  std::string kind;  // "log" | "partition-failed" | "data-loss" | "source-truncated" | "error" | "commit-failed" | "assigned" | "revoked"
  int level = 6;     // syslog level for logs
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t count = -1;
  std::string message;
};

class Shard : public Napi::ObjectWrap<Shard> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Shard(const Napi::CallbackInfo& info);
  ~Shard() override;

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
  Napi::Value Close(const Napi::CallbackInfo& info);

  // librdkafka callbacks (static trampolines receive the Shard as opaque)
  static void RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque);
  static void DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);
  static void CommitCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque);
  static void LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  static void ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static int StatsCb(rd_kafka_t* rk, char* json, size_t len, void* opaque);
  static void SyncDeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  void OnAssign(rd_kafka_topic_partition_list_t* parts);
  void OnRevoke(rd_kafka_topic_partition_list_t* parts);
  void OnDelivery(const rd_kafka_message_t* msg);
  void HandleMessage(rd_kafka_message_t* msg);
  void HandleConsumerError(rd_kafka_message_t* msg);
  void FailPartition(PartitionState& state, int64_t offset, const std::string& reason);
  void HoldPartition(PartitionState& state, int64_t offset, const std::string& reason);
  void Pause(PartitionState& state);
  void RestartAt(PartitionState& state, int64_t offset);
  uint32_t RetryWaiting();
  rd_kafka_resp_err_t ReadPositions(rd_kafka_topic_partition_list_t* remote, int waitMs);
  int64_t StartFor(PartitionState& state, int64_t committed);
  void CommitPositions(bool sync, const rd_kafka_topic_partition_list_t* only);
  void AdvancePastControlRecords();
  void Subscribe();
  PartitionState* StateFor(const std::string& topic, int32_t partition, bool create);
  PartitionState* StateFor(rd_kafka_topic_t* rkt, int32_t partition);
  void AddSync(PartitionState& state, int64_t upstream, int64_t downstream);
  void FlushTailSyncs();
  void AddEvent(ShardEvent event);
  void AddPartitionEvent(const char* kind, int level, const PartitionState& state, int64_t offset, std::string message);
  void ThrowIfClosed(const Napi::Env& env) const;
  void Destroy();

  std::string name_;
  std::string positionsGroup_;
  bool startAtEnd_ = false;  // auto.offset.reset=latest for partitions without a position
  int commitIntervalMs_ = 1000;
  int64_t producerMaxMessageBytes_ = 1000000;
  bool emitOffsetSyncs_ = true;
  int64_t offsetLagMax_ = 100;  // MM2's offset.lag.max
  std::string consumerStats_;   // newest librdkafka statistics JSON of each client
  std::string producerStats_;
  rd_kafka_t* consumer_ = nullptr;
  rd_kafka_t* producer_ = nullptr;
  rd_kafka_t* positions_ = nullptr;
  // Writes offset syncs (MM2 OffsetSync records) to partition 0 of the offset-syncs topic, on the
  // cluster offset-syncs.topic.location names; absent when syncs are off.
  rd_kafka_t* syncProducer_ = nullptr;
  rd_kafka_topic_t* syncTopic_ = nullptr;
  uint64_t syncsWritten_ = 0;
  uint64_t syncsDropped_ = 0;
  uint64_t syncsFailed_ = 0;
  std::string lastSyncError_;
  rd_kafka_queue_t* consumerQueue_ = nullptr;
  rd_kafka_queue_t* commitQueue_ = nullptr;
  std::unordered_map<std::string, TopicRoute> routes_;            // by source topic name
  std::unordered_map<rd_kafka_topic_t*, TopicRoute*> routeByRkt_; // consumer topic handle → route
  std::vector<rd_kafka_message_t*> batch_;
  std::vector<ShardEvent> events_;
  std::mutex logMutex_;
  std::deque<ShardEvent> logs_;
  int64_t lastCommitMs_ = 0;
  int64_t lastWaitingRetryMs_ = 0;
  bool closed_ = false;
  bool subscribed_ = false;
};

}  // namespace kmirror
