#include "shard.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace kmirror {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct PartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit PartitionList(int size) : list(rd_kafka_topic_partition_list_new(size)) {}
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;
};

constexpr size_t kMaxLogs = 1000;
// Every wait inside Pump() is bounded by one of these, so the worker's loop keeps reporting
// (status, metrics, readiness) and hears `stop` whatever the clusters do.
constexpr int kAssignPositionWaitMs = 5000;  // reading positions when partitions are assigned
constexpr int kWatermarkWaitMs = 5000;
constexpr int kMetadataWaitMs = 2000;
constexpr int kRevokeFlushMs = 10000;        // in-flight records at a rebalance (not at close)
constexpr int kStoreWaitMs = 5000;
constexpr int kFullQueueWaitMs = 100;        // one wait for delivery reports while the producer's queue is full
constexpr int kReplaceFlushMs = 5000;

// A parsed integer setting, or `fallback` when absent or not a number (the config schema refuses
// non-numbers before a shard exists; this only keeps a bad value from aborting the process).
int64_t IntSetting(const ConfigMap& config, const char* key, int64_t fallback) {
  auto it = config.find(key);
  if (it == config.end()) return fallback;
  char* end = nullptr;
  long long value = std::strtoll(it->second.c_str(), &end, 10);
  return end && *end == '\0' && end != it->second.c_str() ? value : fallback;
}

size_t VarintSize(int64_t value) {
  uint64_t v = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);  // zigzag
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

// The smallest size a record can take alone in an uncompressed v2 batch: a record the broker
// would refuse by this measure is refused for sure.
int64_t MinimalBatchSize(const rd_kafka_message_t* msg) {
  int64_t key = msg->key ? static_cast<int64_t>(msg->key_len) : -1;
  int64_t value = msg->payload ? static_cast<int64_t>(msg->len) : -1;
  int64_t body = 1 + 1 + 1 + VarintSize(key) + (key > 0 ? key : 0) + VarintSize(value) + (value > 0 ? value : 0) + 1;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
    const char* name;
    const void* hvalue;
    size_t hsize;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &hvalue, &hsize) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      size_t nlen = std::strlen(name);
      body += VarintSize(static_cast<int64_t>(nlen)) + nlen + VarintSize(hvalue ? static_cast<int64_t>(hsize) : -1) + (hvalue ? hsize : 0);
    }
  }
  return 61 + VarintSize(body) + body;
}

bool IsolateOnRefusal(rd_kafka_resp_err_t err) {
  // The broker refuses whole batches for these; the record at fault is found by resending alone.
  return err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE ||
         err == RD_KAFKA_RESP_ERR_INVALID_RECORD;
}

bool NotWritten(rd_kafka_resp_err_t err) {
  // Given up by kmirror itself (purged when the producer is replaced or closed), or collateral of
  // a fatal producer error: not the record's fault; copied again from the position.
  return err == RD_KAFKA_RESP_ERR__PURGE_QUEUE || err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT || err == RD_KAFKA_RESP_ERR__FATAL;
}

}  // namespace

Napi::Function Shard::Define(Napi::Env env) {
  return DefineClass(env, "Shard", {
    InstanceMethod<&Shard::SetTopics>("setTopics"),
    InstanceMethod<&Shard::Pump>("pump"),
    InstanceMethod<&Shard::Stats>("stats"),
    InstanceMethod<&Shard::DrainEvents>("drainEvents"),
    InstanceMethod<&Shard::ResumePartition>("resumePartition"),
    InstanceMethod<&Shard::PausePartition>("pausePartition"),
    InstanceMethod<&Shard::SyncCounts>("syncCounts"),
    InstanceMethod<&Shard::ClientStats>("clientStats"),
    InstanceMethod<&Shard::ResumeWaiting>("resumeWaiting"),
    InstanceMethod<&Shard::Stalls>("stalls"),
    InstanceMethod<&Shard::Close>("close"),
  });
}

// new Shard(ShardOptions) — see src/native/addon.ts.
Shard::Shard(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Shard>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Shard options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  name_ = options.Get("name").ToString().Utf8Value();
  startAtEnd_ = options.Get("startAtEnd").ToBoolean().Value();
  if (options.Get("commitIntervalMs").IsNumber()) commitIntervalMs_ = options.Get("commitIntervalMs").As<Napi::Number>().Int32Value();
  if (options.Get("emitOffsetSyncs").IsBoolean()) emitOffsetSyncs_ = options.Get("emitOffsetSyncs").ToBoolean().Value();
  if (options.Get("offsetLagMax").IsNumber()) offsetLagMax_ = options.Get("offsetLagMax").As<Napi::Number>().Int64Value();
  if (options.Get("followTopicLimits").IsBoolean()) followTopicLimits_ = options.Get("followTopicLimits").ToBoolean().Value();
  if (!options.Get("latencyBucketsMs").IsArray()) throw Napi::TypeError::New(env, "latencyBucketsMs must be an array of numbers");
  Napi::Array buckets = options.Get("latencyBucketsMs").As<Napi::Array>();
  for (uint32_t i = 0; i < buckets.Length(); i++) latencyBucketsMs_.push_back(buckets.Get(i).As<Napi::Number>().Int64Value());

  ConfigMap consumerConfig = ReadConfigMap(env, options.Get("consumer"), "consumer");
  producerConfig_ = ReadConfigMap(env, options.Get("producer"), "producer");
  ConfigMap positionsConfig = ReadConfigMap(env, options.Get("positions"), "positions");
  // What the shard's own logic depends on is not left to configuration (src/engine/shard-settings.ts
  // refuses these keys in mm2.properties; this is the last line): offsets are stored on the target
  // by this class, never committed on the source; an out-of-range position surfaces as an error
  // (data loss is reported, never skipped silently); the producer keeps order, never gives up,
  // and never writes past a refused batch (gapless: a refusal stops it instead of renumbering).
  consumerConfig["enable.auto.commit"] = "false";
  consumerConfig["enable.auto.offset.store"] = "false";
  consumerConfig["auto.offset.reset"] = "error";
  consumerConfig["enable.partition.eof"] = "false";
  producerConfig_["enable.idempotence"] = "true";
  producerConfig_["acks"] = "all";
  producerConfig_["message.timeout.ms"] = "0";
  producerConfig_["enable.gapless.guarantee"] = "true";
  // Who the clusters see (named in authorization errors): the SASL user, or "the configured principal".
  auto userOf = [](const ConfigMap& c) {
    auto it = c.find("sasl.username");
    return it != c.end() && !it->second.empty() ? "User:" + it->second : std::string("the configured principal");
  };
  principal_ = userOf(consumerConfig);
  targetPrincipal_ = userOf(producerConfig_);
  positionsConfig["enable.auto.commit"] = "false";
  if (positionsConfig.count("group.id") == 0) throw Napi::TypeError::New(env, "positions.group.id is required");
  baseMaxMessageBytes_ = producerMaxMessageBytes_ = IntSetting(producerConfig_, "message.max.bytes", 1000000);
  baseBatchSize_ = IntSetting(producerConfig_, "batch.size", 1000000);
  auto compression = producerConfig_.find("compression.type");
  if (compression == producerConfig_.end()) compression = producerConfig_.find("compression.codec");
  compressed_ = compression != producerConfig_.end() && compression->second != "none";

  // The remote topics' limits are known before the producer is made, so it is made once.
  if (options.Get("topics").IsArray()) {
    Napi::Array topics = options.Get("topics").As<Napi::Array>();
    for (uint32_t i = 0; i < topics.Length(); i++) {
      Napi::Object t = topics.Get(i).As<Napi::Object>();
      TopicRoute& route = routes_[t.Get("source").ToString().Utf8Value()];
      route.remote = t.Get("remote").ToString().Utf8Value();
      if (t.Get("maxMessageBytes").IsNumber()) route.maxMessageBytes = t.Get("maxMessageBytes").As<Napi::Number>().Int64Value();
      if (t.Get("topicId").IsString()) route.topicId = t.Get("topicId").ToString().Utf8Value();
    }
    FollowTopicLimits();
  }

  std::string error;
  consumer_ = MakeClient(RD_KAFKA_CONSUMER, consumerConfig, "source consumer", error);
  if (consumer_) producer_ = MakeProducer(error);
  if (producer_) positionsHandle_ = MakeClient(RD_KAFKA_CONSUMER, positionsConfig, "target positions", error);
  if (positionsHandle_ && emitOffsetSyncs_ && options.Get("offsetSyncs").IsObject()) {
    Napi::Object syncs = options.Get("offsetSyncs").As<Napi::Object>();
    ConfigMap syncConfig = ReadConfigMap(env, syncs.Get("producer"), "offsetSyncs.producer");
    syncWriter_.reset(OffsetSyncWriter::Create(syncConfig, syncs.Get("topic").ToString().Utf8Value(), name_, this, error));
    if (!syncWriter_) {
      Destroy();
      throw Napi::Error::New(env, error);
    }
  }
  if (!positionsHandle_) {
    Destroy();
    throw Napi::Error::New(env, error);
  }
  positions_ = std::make_unique<PositionStore>(positionsHandle_, [this](const rd_kafka_topic_partition_t& p, rd_kafka_resp_err_t err) {
    OnStored(p, err);
  });
  rd_kafka_poll_set_consumer(consumer_);
  consumerQueue_ = rd_kafka_queue_get_consumer(consumer_);
  batch_.resize(4096);

  if (options.Get("topics").IsArray()) SetTopics(info);
}

Shard::~Shard() { Destroy(); }

rd_kafka_t* Shard::MakeClient(rd_kafka_type_t type, const ConfigMap& config, const std::string& role, std::string& error) {
  rd_kafka_conf_t* conf = BuildConf(config, name_ + " " + role, error);
  if (!conf) return nullptr;
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_log_cb(conf, &Shard::LogCb);
  rd_kafka_conf_set_error_cb(conf, &Shard::ErrorCb);
  if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, &Shard::DeliveryCb);
  if (role != "target positions") rd_kafka_conf_set_stats_cb(conf, &Shard::StatsCb);
  if (role == "source consumer") rd_kafka_conf_set_rebalance_cb(conf, &Shard::RebalanceCb);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    error = name_ + " " + role + ": " + errstr;
  }
  return rk;
}

rd_kafka_t* Shard::MakeProducer(std::string& error) {
  ConfigMap config = producerConfig_;
  config["message.max.bytes"] = std::to_string(producerMaxMessageBytes_);
  if (followTopicLimits_) {
    // Batches never larger than the smallest remote limit: a refused batch is then a refused record.
    int64_t smallest = 0;
    for (const auto& [_, route] : routes_) {
      if (route.maxMessageBytes > 0 && (smallest == 0 || route.maxMessageBytes < smallest)) smallest = route.maxMessageBytes;
    }
    int64_t batch = baseBatchSize_;
    if (smallest > 0 && smallest - 1024 < batch) batch = std::max<int64_t>(smallest - 1024, 16384);
    config["batch.size"] = std::to_string(batch);
  }
  return MakeClient(RD_KAFKA_PRODUCER, config, "target producer", error);
}

bool Shard::FollowTopicLimits() {
  if (!followTopicLimits_) return false;
  int64_t largest = baseMaxMessageBytes_;
  for (const auto& [_, route] : routes_) largest = std::max(largest, route.maxMessageBytes);
  // Room for the request framing around the largest batch.
  int64_t wanted = largest == baseMaxMessageBytes_ ? largest : largest + 1024;
  if (wanted == producerMaxMessageBytes_) return false;
  producerMaxMessageBytes_ = wanted;
  return true;
}

void Shard::Destroy() {
  for (auto& [msg, _] : pending_) rd_kafka_message_destroy(msg);
  pending_.clear();
  // No blocking consumer close here: Close() leaves the group within its deadline; a shard
  // destroyed without Close() lets its membership expire (session.timeout.ms).
  if (producer_) {
    // Anything still queued is dropped: its delivery reports destroy the source messages, which
    // must happen before the consumer that owns their buffers goes away.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
    rd_kafka_flush(producer_, 5000);
    for (auto& [_, route] : routes_) {
      if (route.remoteTopic) rd_kafka_topic_destroy(route.remoteTopic);
      route.remoteTopic = nullptr;
    }
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
  syncWriter_.reset();
  positions_.reset();
  if (positionsHandle_) rd_kafka_destroy_flags(positionsHandle_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  positionsHandle_ = nullptr;
  if (consumerQueue_) rd_kafka_queue_destroy(consumerQueue_);
  consumerQueue_ = nullptr;
  if (consumer_) rd_kafka_destroy_flags(consumer_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  consumer_ = nullptr;
  closed_ = true;
}

void Shard::ThrowIfClosed(const Napi::Env& env) const {
  if (closed_) throw Napi::Error::New(env, "shard " + name_ + " is closed");
}

// setTopics([{ source, remote, maxMessageBytes? }]): the topics to replicate now.
Napi::Value Shard::SetTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  Napi::Value arg = info[0].IsArray() ? info[0] : info[0].As<Napi::Object>().Get("topics");
  if (!arg.IsArray()) throw Napi::TypeError::New(env, "topics must be an array of { source, remote }");
  Napi::Array topics = arg.As<Napi::Array>();
  struct Wanted {
    std::string remote;
    int64_t limit;
    std::string topicId;
  };
  std::unordered_map<std::string, Wanted> wanted;
  for (uint32_t i = 0; i < topics.Length(); i++) {
    Napi::Object t = topics.Get(i).As<Napi::Object>();
    int64_t limit = t.Get("maxMessageBytes").IsNumber() ? t.Get("maxMessageBytes").As<Napi::Number>().Int64Value() : 0;
    std::string id = t.Get("topicId").IsString() ? t.Get("topicId").ToString().Utf8Value() : "";
    wanted[t.Get("source").ToString().Utf8Value()] = {t.Get("remote").ToString().Utf8Value(), limit, id};
  }
  for (const auto& [source, target] : wanted) {
    TopicRoute& route = routes_[source];
    route.maxMessageBytes = target.limit;
    if (!target.topicId.empty() && route.topicId != target.topicId) {
      std::string oldId = route.topicId;
      route.topicId = target.topicId;
      if (!oldId.empty()) SourceRecreated(route, oldId);
    }
    if (route.remoteTopic && route.remote == target.remote) continue;
    if (route.remoteTopic) rd_kafka_topic_destroy(route.remoteTopic);
    route.remote = target.remote;
    route.remoteTopic = rd_kafka_topic_new(producer_, route.remote.c_str(), nullptr);
    for (auto& p : route.partitions) {
      if (p) p->remoteTopic = route.remote;
    }
  }
  if (FollowTopicLimits()) {
    ReplaceProducer("the remote topics' max.message.bytes changed: the target producer's message.max.bytes is now " +
                        std::to_string(producerMaxMessageBytes_), kReplaceFlushMs);
  }
  // Routes of topics no longer wanted stay (their partitions may still see delivery reports);
  // they just leave the subscription.
  PartitionList list(static_cast<int>(wanted.size()));
  for (const auto& [source, _] : wanted) rd_kafka_topic_partition_list_add(list.list, source.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = wanted.empty() ? rd_kafka_unsubscribe(consumer_) : rd_kafka_subscribe(consumer_, list.list);
  if (err) throw Napi::Error::New(env, name_ + ": subscribe failed: " + rd_kafka_err2str(err));
  subscribed_ = !wanted.empty();
  return env.Undefined();
}

Partition* Shard::PartitionFor(const std::string& topic, int32_t partition, bool create) {
  auto it = routes_.find(topic);
  if (it == routes_.end() || partition < 0) return nullptr;
  TopicRoute& route = it->second;
  if (static_cast<size_t>(partition) >= route.partitions.size()) {
    if (!create) return nullptr;
    route.partitions.resize(partition + 1);
  }
  auto& slot = route.partitions[partition];
  if (!slot) {
    if (!create) return nullptr;
    slot = std::make_unique<Partition>(topic, partition, latencyBucketsMs_.size() + 1);
    slot->remoteTopic = route.remote;
    slot->syncs.set_lag_max(offsetLagMax_);
  }
  return slot.get();
}

Partition* Shard::PartitionFor(rd_kafka_topic_t* rkt, int32_t partition) {
  auto it = routeByRkt_.find(rkt);
  TopicRoute* route;
  if (it == routeByRkt_.end()) {
    auto found = routes_.find(rd_kafka_topic_name(rkt));
    if (found == routes_.end()) return nullptr;
    route = &found->second;
    routeByRkt_[rkt] = route;
  } else {
    route = it->second;
  }
  if (partition < 0 || static_cast<size_t>(partition) >= route->partitions.size()) return nullptr;
  return route->partitions[partition].get();
}

template <typename F>
void Shard::ForEachPartition(F f) {
  for (auto& [_, route] : routes_) {
    for (auto& p : route.partitions) {
      if (p) f(*p);
    }
  }
}

// --- PartitionDriver ---

void Shard::PauseFetch(const PartitionRuntime& rt) {
  Partition* p = PartitionFor(rt.topic(), rt.partition(), false);
  if (!p || p->consumerPaused) return;
  p->consumerPaused = true;
  PartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, rt.topic().c_str(), rt.partition());
  rd_kafka_pause_partitions(consumer_, list.list);
}

void Shard::FetchFrom(const PartitionRuntime& rt, int64_t offset) {
  Partition* p = PartitionFor(rt.topic(), rt.partition(), false);
  if (!p) return;
  PartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, rt.topic().c_str(), rt.partition())->offset = offset;
  // Asynchronous (timeout 0): the fetcher's version barrier is raised at once, so nothing fetched
  // before the seek is dequeued after it; a failure arrives as a consumer error.
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_, list.list, 0)) {
    AddPartitionEvent(EventKind::Error, 3, *p, offset, std::string("seek failed: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
  if (!backpressure_) {
    p->consumerPaused = false;
    rd_kafka_resume_partitions(consumer_, list.list);
  } else if (!p->consumerPaused) {
    p->consumerPaused = true;
    rd_kafka_pause_partitions(consumer_, list.list);
  }
}

void Shard::Emit(const PartitionRuntime& rt, EventKind kind, int level, int64_t offset, const std::string& message) {
  if (Partition* p = PartitionFor(rt.topic(), rt.partition(), false)) AddPartitionEvent(kind, level, *p, offset, message);
}

// --- the copy loop ---

// pump(maxRecords, timeoutMs) → number of records handed to the producer. Returns within about
// timeoutMs whatever the clusters do (plus the bounded waits of a rebalance).
Napi::Value Shard::Pump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  size_t max = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 1000;
  int timeoutMs = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 100;
  if (max == 0) max = 1;
  if (max > batch_.size()) batch_.resize(max);

  if (producerFatal_) ReplaceProducer(producerFatalReason_, 0);
  if (!producer_) return Napi::Number::New(env, 0);  // no producer could be made: a fatal event ends the task
  rd_kafka_poll(producer_, 0);
  size_t handed = DrainPending();
  if (!pending_.empty()) {
    // The producer's queue is full: stop fetching (the consumer is still served, so the group
    // keeps us), wait a little for delivery reports, try again.
    SetBackpressure(true);
    rd_kafka_poll(producer_, std::min(timeoutMs, kFullQueueWaitMs));
    ServeConsumerWhileFull();
    handed += DrainPending();
  } else {
    SetBackpressure(false);
    if (subscribed_) {
      uint64_t seq = ++dequeueSeq_;
      ssize_t n = rd_kafka_consume_batch_queue(consumerQueue_, 0, batch_.data(), max);
      if (n == 0) {
        // Nothing fetched yet: block for the first record (serving rebalances meanwhile), but not
        // for long while delivery reports are pending.
        int wait = rd_kafka_outq_len(producer_) > 0 ? std::min(timeoutMs, 10) : timeoutMs;
        rd_kafka_message_t* first = rd_kafka_consume_queue(consumerQueue_, wait);
        seq = ++dequeueSeq_;  // a rebalance served meanwhile counts as older
        if (first) {
          batch_[0] = first;
          ssize_t more = rd_kafka_consume_batch_queue(consumerQueue_, 0, batch_.data() + 1, max - 1);
          n = 1 + (more > 0 ? more : 0);
        }
      }
      for (ssize_t i = 0; i < n; i++) {
        rd_kafka_message_t* msg = batch_[i];
        batch_[i] = nullptr;
        bool isRecord = !msg->err;  // read now: HandOver may destroy it
        if (!pending_.empty() || !HandOver(msg, seq)) {
          Park(msg, seq);  // kept in order, offered again next time
        } else if (isRecord) {
          handed++;
        }
      }
    } else {
      rd_kafka_poll(consumer_, timeoutMs);
    }
  }
  rd_kafka_poll(producer_, 0);
  if (syncWriter_) syncWriter_->Poll();
  TrackStalls(handed > 0);

  int64_t now = SteadyMs();
  if (now - lastCommitMs_ >= commitIntervalMs_) {
    lastCommitMs_ = now;
    StorePositions(false, nullptr, 0);
    FlushTailSyncs();
  }
  positions_->Poll();
  if (now - lastWaitingRetryMs_ >= 5000) {
    lastWaitingRetryMs_ = now;
    RetryWaiting();
  }
  return Napi::Number::New(env, static_cast<double>(handed));
}

size_t Shard::DrainPending() {
  size_t handed = 0;
  while (!pending_.empty()) {
    auto [msg, seq] = pending_.front();
    bool isRecord = !msg->err;
    Partition* p = isRecord ? PartitionFor(msg->rkt, msg->partition) : nullptr;
    if (!HandOver(msg, seq)) break;
    pending_.pop_front();
    if (p) p->rt.Unparked();
    if (isRecord) handed++;
  }
  return handed;
}

void Shard::ServeConsumerWhileFull() {
  // Serves rebalances and keeps max.poll.interval.ms satisfied; the partitions are paused, so a
  // record only comes if it was fetched before the pause: it joins the queue, in order.
  uint64_t seq = ++dequeueSeq_;
  for (int i = 0; i < 1000; i++) {
    rd_kafka_message_t* msg = rd_kafka_consume_queue(consumerQueue_, 0);
    if (!msg) break;
    Park(msg, seq);
  }
}

void Shard::Park(rd_kafka_message_t* msg, uint64_t seq) {
  // Its partition must not treat the fetcher's position (past this record) as copied.
  if (!msg->err) {
    if (Partition* p = PartitionFor(msg->rkt, msg->partition)) p->rt.Parked();
  }
  pending_.emplace_back(msg, seq);
}

void Shard::SetBackpressure(bool on) {
  if (backpressure_ == on) return;
  backpressure_ = on;
  PartitionList list(16);
  ForEachPartition([&](Partition& p) {
    if (!p.rt.Fetching()) return;
    if (on != p.consumerPaused) {
      p.consumerPaused = on;
      rd_kafka_topic_partition_list_add(list.list, p.rt.topic().c_str(), p.rt.partition());
    }
  });
  if (list.list->cnt == 0) return;
  // Pausing keeps the fetcher's place at the last record dequeued: resuming goes on from there.
  if (on) rd_kafka_pause_partitions(consumer_, list.list);
  else rd_kafka_resume_partitions(consumer_, list.list);
}

bool Shard::HandOver(rd_kafka_message_t* msg, uint64_t dequeuedAt) {
  if (msg->err) {
    HandleConsumerError(msg);
    rd_kafka_message_destroy(msg);
    return true;
  }
  Partition* p = PartitionFor(msg->rkt, msg->partition);
  if (!p || !p->rt.Admit(msg->offset, dequeuedAt)) {
    // Not ours any more, stopped, or dequeued before a rewind: dropped; the position was not
    // advanced past it, so it is fetched again when the partition goes on.
    rd_kafka_message_destroy(msg);
    return true;
  }
  TopicRoute* route = routeByRkt_[msg->rkt];
  // The size check walks headers: only for records that could come near the limit.
  if (route->maxMessageBytes > 0 && !compressed_ && static_cast<int64_t>(msg->len + msg->key_len) * 2 > route->maxMessageBytes) {
    int64_t size = MinimalBatchSize(msg);
    if (size > route->maxMessageBytes) {
      p->rt.Fail(*this, msg->offset, "record of " + std::to_string(msg->len + msg->key_len) + " bytes is larger than the target accepts: " +
                                         "alone it makes a batch of at least " + std::to_string(size) + " bytes, and the remote topic " +
                                         route->remote + " takes at most " + std::to_string(route->maxMessageBytes) + " (max.message.bytes)");
      rd_kafka_message_destroy(msg);
      return true;
    }
  }
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_detach_headers(msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
  rd_kafka_timestamp_type_t tstype;
  int64_t timestamp = rd_kafka_message_timestamp(msg, &tstype);
  // msgflags 0: the payload and key are referenced, not copied; `msg` keeps them alive until
  // its delivery report.
  rd_kafka_resp_err_t err = rd_kafka_producev(producer_,
                                              RD_KAFKA_V_RKT(route->remoteTopic),
                                              RD_KAFKA_V_PARTITION(msg->partition),
                                              RD_KAFKA_V_MSGFLAGS(0),
                                              RD_KAFKA_V_VALUE(msg->payload, msg->len),
                                              RD_KAFKA_V_KEY(msg->key, msg->key_len),
                                              RD_KAFKA_V_TIMESTAMP(timestamp < 0 ? 0 : timestamp),
                                              RD_KAFKA_V_HEADERS(headers),
                                              RD_KAFKA_V_OPAQUE(msg),
                                              RD_KAFKA_V_END);
  if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
    if (headers) rd_kafka_message_set_headers(msg, headers);  // the message owns them again
    return false;
  }
  if (err) {
    if (headers) rd_kafka_headers_destroy(headers);
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
      p->rt.RemoteMissing(*this, msg->offset, "remote partition " + route->remote + "-" + std::to_string(msg->partition) +
                                                  " does not exist yet on the target");
    } else if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      p->rt.Fail(*this, msg->offset, "record of " + std::to_string(msg->len + msg->key_len) +
                                         " bytes is larger than the target producer's message.max.bytes (" +
                                         std::to_string(producerMaxMessageBytes_) + ")");
    } else if (err == RD_KAFKA_RESP_ERR__FATAL) {
      producerFatal_ = true;  // replaced at the next Pump(); the partition rewinds then
    } else {
      p->rt.Fail(*this, msg->offset, std::string("cannot produce: ") + rd_kafka_err2str(err));
    }
    rd_kafka_message_destroy(msg);
    return true;
  }
  p->rt.HandedOver(*this, msg->offset);
  if (timestamp > 0) {
    int64_t age = std::max<int64_t>(0, NowMs() - timestamp);
    size_t b = std::lower_bound(latencyBucketsMs_.begin(), latencyBucketsMs_.end(), age) - latencyBucketsMs_.begin();
    p->ageBuckets[b]++;
    p->ageSumMs += static_cast<uint64_t>(age);
  }
  return true;
}

void Shard::DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  self->targetWaitingSinceMs_ = 0;  // the target answers
  self->OnDelivery(msg);
}

void Shard::TrackStalls(bool fetched) {
  int64_t now = SteadyMs();
  if (rd_kafka_outq_len(producer_) == 0) targetWaitingSinceMs_ = 0;
  else if (targetWaitingSinceMs_ == 0) targetWaitingSinceMs_ = now;
  if (fetched || backpressure_) {
    sourceWaitingSinceMs_ = 0;
    return;
  }
  if (now - lastSourceCheckMs_ < 1000) return;
  lastSourceCheckMs_ = now;
  // Nothing came: is there anything to come? A fetching partition below the source's end
  // (as the fetcher last saw it) should be giving records.
  bool behind = false;
  ForEachPartition([&](Partition& p) {
    if (behind || !p.rt.Fetching()) return;
    int64_t low = -1, high = -1;
    rd_kafka_get_watermark_offsets(consumer_, p.rt.topic().c_str(), p.rt.partition(), &low, &high);
    behind = high > p.rt.produced() && p.rt.produced() >= 0;
  });
  if (!behind) sourceWaitingSinceMs_ = 0;
  else if (sourceWaitingSinceMs_ == 0) sourceWaitingSinceMs_ = now;
}

// stalls() → { targetMs, sourceMs }: how long the target has acknowledged nothing while records
// wait for it, and the source has given nothing while a partition has records to copy (0: none).
Napi::Value Shard::Stalls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t now = SteadyMs();
  Napi::Object o = Napi::Object::New(env);
  o.Set("targetMs", static_cast<double>(targetWaitingSinceMs_ ? now - targetWaitingSinceMs_ : 0));
  o.Set("sourceMs", static_cast<double>(sourceWaitingSinceMs_ ? now - sourceWaitingSinceMs_ : 0));
  // Authentication failures of the last 30 s (older ones are over: the client got in, or gave up reporting).
  std::lock_guard<std::mutex> lock(logMutex_);
  o.Set("sourceAuthError", consumerAuthErrorMs_ && now - consumerAuthErrorMs_ < 30000 ? consumerAuthError_ : "");
  o.Set("targetAuthError", producerAuthErrorMs_ && now - producerAuthErrorMs_ < 30000 ? producerAuthError_ : "");
  return o;
}

void Shard::OnDelivery(const rd_kafka_message_t* msg) {
  rd_kafka_message_t* source = static_cast<rd_kafka_message_t*>(msg->_private);
  Partition* p = PartitionFor(source->rkt, source->partition);
  if (p) {
    int64_t offset = source->offset;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (p->rt.Acknowledged(*this, offset)) {
        p->lastTargetOffset = msg->offset;
        p->records++;
        p->bytes += source->len;
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(source, &tstype);
        if (ts > 0) {
          p->lastTimestamp = ts;
          int64_t latency = std::max<int64_t>(0, NowMs() - ts);
          p->latencySumMs += static_cast<uint64_t>(latency);
          p->latencyMaxMs = std::max(p->latencyMaxMs, latency);
          p->latencyBuckets[std::lower_bound(latencyBucketsMs_.begin(), latencyBucketsMs_.end(), latency) - latencyBucketsMs_.begin()]++;
        }
        if (emitOffsetSyncs_ && p->syncs.OnAcknowledged(offset, msg->offset)) WriteSync(*p, offset, msg->offset);
      }
    } else if (NotWritten(msg->err)) {
      p->rt.Undelivered(offset);
    } else {
      bool tooLarge = msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || msg->err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
      auto route = routes_.find(p->rt.topic());
      int64_t limit = route != routes_.end() ? route->second.maxMessageBytes : 0;
      std::string limitText = limit > 0 ? "the remote topic " + p->remoteTopic + " takes at most " + std::to_string(limit) +
                                              " bytes per batch (max.message.bytes), compressed"
                                        : "the remote topic's max.message.bytes or the broker's message.max.bytes";
      std::string reason = tooLarge
          ? "record of " + std::to_string(source->len + source->key_len) + " bytes is larger than the target accepts (" + limitText +
                "): " + rd_kafka_err2str(msg->err)
          : std::string("the target refused the record: ") + rd_kafka_err2name(msg->err) + " on " + p->remoteTopic + " as " +
                targetPrincipal_ + " (" + rd_kafka_err2str(msg->err) + ")";
      p->rt.Refused(*this, offset, IsolateOnRefusal(msg->err), reason);
    }
  }
  rd_kafka_message_destroy(source);
}

void Shard::FlushProducer(int64_t deadlineMs) {
  while (producer_ && rd_kafka_outq_len(producer_) > 0) {
    int64_t left = deadlineMs - SteadyMs();
    if (left <= 0) return;
    rd_kafka_flush(producer_, static_cast<int>(std::min<int64_t>(left, 100)));
  }
}

void Shard::ReplaceProducer(const std::string& reason, int flushMs) {
  // Whatever the old producer still holds is given up: purged records are reported undelivered
  // and each partition goes on from its position (what was written and not acknowledged is
  // written again: duplicates, never a gap).
  if (flushMs > 0) FlushProducer(SteadyMs() + flushMs);
  rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
  FlushProducer(SteadyMs() + 2000);
  for (auto& [_, route] : routes_) {
    if (route.remoteTopic) rd_kafka_topic_destroy(route.remoteTopic);
    route.remoteTopic = nullptr;
  }
  rd_kafka_destroy(producer_);
  std::string error;
  producer_ = MakeProducer(error);
  producerFatal_ = false;
  if (!producer_) {
    ShardEvent event;
    event.kind = EventKind::Fatal;
    event.level = 2;
    event.message = "cannot create a new target producer: " + error;
    AddEvent(std::move(event));
    return;  // nothing can go on; the worker ends the task and the flow restarts the shard
  }
  for (auto& [_, route] : routes_) route.remoteTopic = rd_kafka_topic_new(producer_, route.remote.c_str(), nullptr);
  producerResets_++;
  ShardEvent event;
  event.kind = EventKind::ProducerReset;
  event.level = 4;
  event.count = static_cast<int64_t>(producerResets_);
  event.message = "target producer replaced (" + reason + "); every partition goes on from its position";
  AddEvent(std::move(event));
  ForEachPartition([&](Partition& p) { p.rt.ProducerReset(*this); });
}

// --- consumer errors, the group ---

void Shard::HandleConsumerError(rd_kafka_message_t* msg) {
  std::string topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "";
  ShardEvent event;
  event.topic = topic;
  event.partition = msg->partition;
  event.offset = msg->offset;
  if ((msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) && msg->rkt) {
    Partition* p = PartitionFor(msg->rkt, msg->partition);
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer_, topic.c_str(), msg->partition, &low, &high, kWatermarkWaitMs);
    if (err || !p) {
      event.kind = EventKind::Error;
      event.level = 3;
      event.message = std::string("position out of range and the source's offsets cannot be read: ") + rd_kafka_err2str(err);
      AddEvent(std::move(event));
      return;
    }
    int64_t position = msg->offset >= 0 ? msg->offset : p->rt.produced();
    if (position < low) {
      // Retention (or deleteRecords) removed records before they were copied.
      event.kind = EventKind::DataLoss;
      event.level = 2;
      event.count = low - position;
      event.message = "source records " + std::to_string(position) + ".." + std::to_string(low - 1) +
                      " were deleted before they were replicated (" + std::to_string(low - position) + " records lost); resuming at " +
                      std::to_string(low);
    } else {
      event.kind = EventKind::SourceTruncated;
      event.level = 2;
      event.message = "replication position " + std::to_string(position) + " is beyond the source log end " + std::to_string(high) +
                      " (topic recreated or truncated); resuming at " + std::to_string(low);
      p->restartedPastEnd = true;
    }
    AddEvent(std::move(event));
    // Lost records are reported above; the position moves on so replication continues.
    Reassign(*p, low, "after data loss");
    return;
  }
  if ((msg->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED || msg->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) && msg->rkt) {
    // Not "deleted", not a silent retry: the partitions wait with the reason, tried again every 5 s.
    std::string reason = std::string(rd_kafka_err2name(msg->err)) + ": the source refuses to let " + principal_ +
                         " READ topic " + topic + " (" + rd_kafka_message_errstr(msg) + "); waiting for the permission";
    auto route = routes_.find(topic);
    bool any = false;
    if (route != routes_.end()) {
      for (auto& slot : route->second.partitions) {
        if (slot && (msg->partition < 0 || slot->rt.partition() == msg->partition)) {
          slot->rt.NotAuthorized(*this, reason);
          any = true;
        }
      }
    }
    if (any) return;
  }
  if (msg->err == RD_KAFKA_RESP_ERR__LOG_TRUNCATION && msg->rkt) {
    // KIP-320: the partition's new leader does not have our position's records (an unclean
    // election). librdkafka names the divergence point (the end offset of our epoch on the new
    // leader); copying resumes there, as a Java consumer would, and the records between were
    // copied from a log the source no longer has.
    Partition* p = PartitionFor(msg->rkt, msg->partition);
    std::string text = rd_kafka_message_errstr(msg);
    const char* marker = "broker end offset is ";
    size_t at = text.find(marker);
    int64_t divergence = at == std::string::npos ? -1 : std::strtoll(text.c_str() + at + std::strlen(marker), nullptr, 10);
    if (p && divergence >= 0) {
      int64_t from = p->rt.position();
      event.kind = EventKind::SourceTruncated;
      event.level = 2;
      event.offset = divergence;
      event.count = from > divergence ? from - divergence : 0;
      event.message = "the source partition's log was truncated at " + std::to_string(divergence) + " (an unclean leader election): " +
                      std::to_string(event.count) + " record(s) copied from " + std::to_string(divergence) +
                      " on are no longer on the source; copying resumes at " + std::to_string(divergence) +
                      " (the target keeps what it has, and gets the new leader's records after it)";
      AddEvent(std::move(event));
      Reassign(*p, divergence, "after a log truncation");
      return;
    }
  }
  event.kind = msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ? EventKind::TopicMissing : EventKind::Error;
  event.level = 4;
  event.message = rd_kafka_message_errstr(msg);
  AddEvent(std::move(event));
}

void Shard::Reassign(Partition& p, int64_t offset, const char* why) {
  // After an out-of-range error (or under a new topic) the fetcher refuses seeks (its state is an
  // error state), so the partition is assigned again at the new offset instead.
  p.rt.SkipTo(offset);
  PartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, p.rt.topic().c_str(), p.rt.partition())->offset = offset;
  rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_, list.list);
  if (!error) error = rd_kafka_incremental_assign(consumer_, list.list);
  if (error) {
    AddPartitionEvent(EventKind::Error, 3, p, offset, std::string("cannot restart fetching ") + why + ": " + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

// The source topic under this name is a new one (its ID changed): what was not copied of the old
// one is gone (counted as far as the fetcher saw it), and the new one is copied from its start —
// never from the old topic's offsets, which mean nothing in the new one.
void Shard::SourceRecreated(TopicRoute& route, const std::string& oldId) {
  for (auto& slot : route.partitions) {
    if (!slot || slot->rt.state() == PartitionState::Unassigned) continue;
    Partition& p = *slot;
    if (p.restartedPastEnd) {
      // The fetcher already found its position past the new topic's end and restarted at its
      // start (source-truncated): copying it again would duplicate it.
      p.restartedPastEnd = false;
      AddPartitionEvent(EventKind::SourceRecreated, 2, p, p.rt.position(),
                        "source topic " + p.rt.topic() + " was deleted and created again (topic id " + oldId + " → " + route.topicId +
                            "): already copying the new topic from its start (what the old topic had after the last stored position was not copied)");
      continue;
    }
    int64_t low = -1, high = -1;
    rd_kafka_get_watermark_offsets(consumer_, p.rt.topic().c_str(), p.rt.partition(), &low, &high);
    int64_t lost = high >= 0 && p.rt.position() >= 0 && high > p.rt.position() ? high - p.rt.position() : 0;
    int64_t start = 0;
    if (rd_kafka_query_watermark_offsets(consumer_, p.rt.topic().c_str(), p.rt.partition(), &low, &high, kWatermarkWaitMs) == 0) start = low;
    AddPartitionEvent(EventKind::SourceRecreated, 2, p, p.rt.position(),
                      "source topic " + p.rt.topic() + " was deleted and created again (topic id " + oldId + " → " + route.topicId +
                          "): " + std::to_string(lost) + " record(s) of the old topic after position " + std::to_string(p.rt.position()) +
                          " were not copied (as far as the fetcher saw); copying the new topic from offset " + std::to_string(start),
                      lost);
    p.syncs.Reset();
    p.committed = -1;
    p.rt.Assign(*this, start);  // a new lifetime: records fetched from the old topic are dropped
    Reassign(p, start, "under the recreated topic");
  }
  StorePositions(false, nullptr, 0);
}

void Shard::RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->OnAssign(parts);
  } else {
    self->OnRevoke(parts);
  }
}

bool Shard::StoredForEarlierTopic(Partition& p, const rd_kafka_topic_partition_t& stored) {
  auto route = routes_.find(p.rt.topic());
  if (route == routes_.end() || route->second.topicId.empty() || stored.offset < 0 || !stored.metadata || stored.metadata_size == 0) return false;
  std::string storedId(static_cast<const char*>(stored.metadata), stored.metadata_size);
  if (storedId == route->second.topicId) return false;
  AddPartitionEvent(EventKind::SourceRecreated, 2, p, stored.offset,
                    "the stored position " + std::to_string(stored.offset) + " belongs to an earlier topic named " + p.rt.topic() +
                        " (topic id " + storedId + "); this one is " + route->second.topicId +
                        ": copying it from its start (what the earlier topic had after the position was not copied)");
  return true;
}

bool Shard::StartFor(Partition& p, int64_t committed, int64_t* start) {
  if (committed >= 0) {
    *start = committed;
    return true;
  }
  // No position yet: start per auto.offset.reset, resolved to an absolute offset and stored at
  // once, so a restart before the first record is copied starts at the same place.
  int64_t low = 0, high = 0;
  if (rd_kafka_query_watermark_offsets(consumer_, p.rt.topic().c_str(), p.rt.partition(), &low, &high, kWatermarkWaitMs)) return false;
  *start = startAtEnd_ ? high : low;
  return true;
}

void Shard::OnAssign(rd_kafka_topic_partition_list_t* parts) {
  // Positions live on the target, in the positions group, keyed by the remote topic name (a
  // topic the target has; brokers refuse offsets for topics they do not know).
  PartitionList remote(parts->cnt);
  for (int i = 0; i < parts->cnt; i++) {
    Partition* p = PartitionFor(parts->elems[i].topic, parts->elems[i].partition, true);
    rd_kafka_topic_partition_list_add(remote.list, p ? p->remoteTopic.c_str() : parts->elems[i].topic, parts->elems[i].partition);
  }
  // Right after a cluster (or its offsets topic) starts, the group coordinator answers "loading"
  // for a while; with the target down it does not answer. Either way the wait is bounded: the
  // partitions then wait (WAITING) and their positions are read again by RetryWaiting().
  rd_kafka_resp_err_t err = positions_->Read(remote.list, kAssignPositionWaitMs);
  std::vector<std::pair<Partition*, int64_t>> starts;
  std::vector<std::pair<Partition*, std::string>> waiting;
  bool fresh = false;
  for (int i = 0; i < parts->cnt; i++) {
    rd_kafka_topic_partition_t& part = parts->elems[i];
    Partition* p = PartitionFor(part.topic, part.partition, true);
    if (!p) continue;
    p->committed = -1;
    p->syncs.Reset();  // a new lifetime here: its first acknowledged record is a sync
    int64_t start = 0;
    if (err) {
      waiting.emplace_back(p, std::string("cannot read the replication position from the target yet: ") + rd_kafka_err2str(err));
      part.offset = RD_KAFKA_OFFSET_END;  // a placeholder: the partition is paused until its position is known
    } else if (StoredForEarlierTopic(*p, remote.list->elems[i])) {
      // The position belongs to an earlier topic with this name: the new one is copied from its start.
      int64_t low = 0, high = 0;
      if (rd_kafka_query_watermark_offsets(consumer_, part.topic, part.partition, &low, &high, kWatermarkWaitMs)) {
        waiting.emplace_back(p, "cannot read the source partition's offsets to start it yet");
        part.offset = RD_KAFKA_OFFSET_END;
        continue;
      }
      part.offset = low;
      p->committed = -1;
      fresh = true;
      starts.emplace_back(p, low);
    } else if (!StartFor(*p, remote.list->elems[i].offset, &start)) {
      waiting.emplace_back(p, "cannot read the source partition's offsets to start it (auto.offset.reset) yet");
      part.offset = RD_KAFKA_OFFSET_END;
    } else {
      p->committed = remote.list->elems[i].offset;
      fresh = fresh || p->committed < 0;
      part.offset = start;
      starts.emplace_back(p, start);
    }
  }
  if (rd_kafka_error_t* error = rd_kafka_incremental_assign(consumer_, parts)) {
    ShardEvent event;
    event.kind = EventKind::Error;
    event.level = 3;
    event.message = std::string("assign failed: ") + rd_kafka_error_string(error);
    AddEvent(std::move(event));
    rd_kafka_error_destroy(error);
  }
  PartitionList resume(0);
  for (auto& [p, start] : starts) {
    p->rt.Assign(*this, start);
    p->consumerPaused = backpressure_;
    rd_kafka_topic_partition_list_add(resume.list, p->rt.topic().c_str(), p->rt.partition());
  }
  // A partition paused in an earlier lifetime here would stay paused: say what is wanted now.
  if (resume.list->cnt > 0) {
    if (backpressure_) rd_kafka_pause_partitions(consumer_, resume.list);
    else rd_kafka_resume_partitions(consumer_, resume.list);
  }
  for (auto& [p, reason] : waiting) {
    p->consumerPaused = false;
    p->rt.AssignWithoutPosition(*this, reason);
  }
  if (fresh) StorePositions(true, nullptr, kStoreWaitMs);
  ShardEvent event;
  event.kind = EventKind::Assigned;
  event.count = parts->cnt;
  AddEvent(std::move(event));
}

void Shard::OnRevoke(rd_kafka_topic_partition_list_t* parts) {
  bool lost = rd_kafka_assignment_lost(consumer_);
  // What is in flight is waited for (bounded) before the positions are stored and the partitions
  // let go: the next owner then starts exactly where this one stopped. What is not acknowledged
  // by then is copied again by the next owner (duplicates, never a gap).
  int64_t deadline = closing_ ? closeDeadlineMs_ : SteadyMs() + kRevokeFlushMs;
  // Most of the time waits for what is in flight; the rest is kept for storing the positions of
  // what was acknowledged (a target that never answers must not eat all of it).
  int64_t now = SteadyMs();
  FlushProducer(now + std::max<int64_t>(0, deadline - now) * 7 / 10);
  if (!lost) StorePositions(true, parts, static_cast<int>(std::max<int64_t>(0, deadline - SteadyMs())));
  FlushTailSyncs();
  for (int i = 0; i < parts->cnt; i++) {
    Partition* p = PartitionFor(parts->elems[i].topic, parts->elems[i].partition, false);
    if (!p) continue;
    p->rt.Revoke(*this);
    p->consumerPaused = false;
  }
  if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_, parts)) rd_kafka_error_destroy(error);
  ShardEvent event;
  event.kind = EventKind::Revoked;
  event.count = parts->cnt;
  event.message = lost ? "assignment lost" : "";
  AddEvent(std::move(event));
}

uint32_t Shard::RetryWaiting() {
  uint32_t resumed = 0;
  for (auto& [_, route] : routes_) {
    bool refreshed = false;
    for (auto& slot : route.partitions) {
      if (!slot || slot->rt.state() != PartitionState::Waiting) continue;
      Partition& p = *slot;
      if (p.rt.waitReason() == WaitReason::PositionUnknown) {
        PartitionList one(1);
        rd_kafka_topic_partition_list_add(one.list, p.remoteTopic.c_str(), p.rt.partition());
        int64_t start = 0;
        if (positions_->Read(one.list, 0) || !StartFor(p, one.list->elems[0].offset, &start)) continue;
        p.committed = one.list->elems[0].offset;
        p.rt.PositionKnown(*this, start);
        if (p.committed < 0) StorePositions(true, nullptr, kStoreWaitMs);
        resumed++;
        continue;
      }
      if (!refreshed) {
        // The producer only learns of new remote partitions from metadata: ask now (bounded).
        const rd_kafka_metadata_t* md = nullptr;
        if (rd_kafka_metadata(producer_, 0, route.remoteTopic, &md, kMetadataWaitMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          rd_kafka_metadata_destroy(md);
        }
        refreshed = true;
      }
      p.rt.TryAgain(*this);  // if it is still missing (or still not authorized), the next record says so again
      resumed++;
    }
  }
  return resumed;
}

// --- positions ---

// A partition whose every fetched record is acknowledged may sit before offsets that hold no
// record (transaction markers, aborted records): the consumer's position has moved past them,
// and so may the replication position. Without this a transactional topic would show a lag of
// one (the last commit marker) for ever, and failover could not tell it is caught up.
void Shard::AdvancePastControlRecords() {
  PartitionList list(16);
  ForEachPartition([&](Partition& p) {
    if (p.rt.state() == PartitionState::Running && !p.consumerPaused && p.rt.inFlight() == 0 && p.rt.position() >= 0 &&
        p.rt.produced() == p.rt.position()) {
      rd_kafka_topic_partition_list_add(list.list, p.rt.topic().c_str(), p.rt.partition());
    }
  });
  if (list.list->cnt == 0 || rd_kafka_position(consumer_, list.list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  for (int i = 0; i < list.list->cnt; i++) {
    const rd_kafka_topic_partition_t& e = list.list->elems[i];
    Partition* p = PartitionFor(e.topic, e.partition, false);
    if (p && !e.err) p->rt.AdvanceTo(e.offset);
  }
}

void Shard::StorePositions(bool wait, const rd_kafka_topic_partition_list_t* only, int timeoutMs) {
  if (!only) AdvancePastControlRecords();
  PartitionList list(16);
  auto add = [&](Partition& p) {
    if (p.rt.position() < 0 || p.rt.position() == p.committed) return;
    if (!only && p.rt.state() == PartitionState::Unassigned) return;
    rd_kafka_topic_partition_t* e = rd_kafka_topic_partition_list_add(list.list, p.remoteTopic.c_str(), p.rt.partition());
    e->offset = p.rt.position();
    // The source topic's ID goes with the position: a position of an earlier topic with the same
    // name is recognised as such (OnAssign). Freed with the list.
    auto route = routes_.find(p.rt.topic());
    if (route != routes_.end() && !route->second.topicId.empty()) {
      e->metadata_size = route->second.topicId.size();
      e->metadata = std::malloc(e->metadata_size);
      std::memcpy(e->metadata, route->second.topicId.data(), e->metadata_size);
    }
  };
  if (only) {
    for (int i = 0; i < only->cnt; i++) {
      Partition* p = PartitionFor(only->elems[i].topic, only->elems[i].partition, false);
      if (p) add(*p);
    }
  } else {
    ForEachPartition(add);
  }
  if (list.list->cnt == 0) return;
  if (!wait) {
    positions_->Store(list.list);
  } else if (timeoutMs <= 0 || !positions_->StoreAndWait(list.list, timeoutMs)) {
    ShardEvent event;
    event.kind = EventKind::CommitFailed;
    event.level = 4;
    event.message = "positions of " + std::to_string(list.list->cnt) + " partition(s) not confirmed stored on the target in time; "
                    "whatever is not stored is copied again after a restart";
    AddEvent(std::move(event));
  }
}

void Shard::OnStored(const rd_kafka_topic_partition_t& e, rd_kafka_resp_err_t err) {
  for (auto& [_, route] : routes_) {
    if (route.remote != e.topic) continue;
    if (e.partition >= 0 && static_cast<size_t>(e.partition) < route.partitions.size() && route.partitions[e.partition]) {
      Partition& p = *route.partitions[e.partition];
      if (!err) {
        p.committed = std::max(p.committed, e.offset);
      } else {
        AddPartitionEvent(EventKind::CommitFailed, 4, p, e.offset, std::string("cannot store the replication position on the target: ") + rd_kafka_err2str(err));
      }
    }
    return;
  }
}

// --- offset syncs ---

void Shard::WriteSync(Partition& p, int64_t upstream, int64_t downstream) {
  if (!syncWriter_) return;
  if (p.syncKey.empty()) p.syncKey = OffsetSyncWriter::EncodeKey(p.rt.topic(), p.rt.partition());
  std::string error;
  if (!syncWriter_->Write(p.syncKey, upstream, downstream, &error) && !error.empty()) {
    AddPartitionEvent(EventKind::Error, 4, p, upstream,
                      "offset sync not written (" + error + "): checkpoints for offsets up to here may re-read until the next sync");
  }
}

// The newest acknowledged record of each partition becomes a sync if it is not one: together
// with the syncs at every shift, readers then know exactly where copying stands.
void Shard::FlushTailSyncs() {
  if (!emitOffsetSyncs_) return;
  ForEachPartition([&](Partition& p) {
    int64_t upstream, downstream;
    if (p.syncs.TakeTail(&upstream, &downstream)) WriteSync(p, upstream, downstream);
  });
}

// --- callbacks that only record ---

void Shard::LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  Shard* self = static_cast<Shard*>(rd_kafka_opaque(rk));
  if (!self) return;
  // kmirror sets enable.gapless.guarantee on purpose; librdkafka's "experimental" note is noise.
  if (std::strcmp(fac, "CONFWARN") == 0 && std::strstr(buf, "enable.gapless.guarantee")) return;
  ShardEvent event;
  event.kind = EventKind::Log;
  event.level = level;
  event.message = std::string(rd_kafka_name(rk)) + " " + fac + ": " + buf;
  self->AddThreadSafe(std::move(event));
}

void Shard::ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION || err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED || err == RD_KAFKA_RESP_ERR__SSL) {
    // Remembered for readiness ("cannot authenticate to …"); librdkafka reports it again at every
    // reconnection attempt, so it stays while the credentials are wrong.
    std::lock_guard<std::mutex> lock(self->logMutex_);
    if (rk == self->consumer_) {
      self->consumerAuthError_ = reason;
      self->consumerAuthErrorMs_ = SteadyMs();
    } else if (rk == self->producer_) {
      self->producerAuthError_ = reason;
      self->producerAuthErrorMs_ = SteadyMs();
    }
  }
  ShardEvent event;
  event.kind = EventKind::Error;
  event.level = 4;
  event.message = std::string(rd_kafka_name(rk)) + ": " + reason;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char errstr[512];
    rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
    event.message += std::string(": ") + errstr;
    if (rk == self->producer_) {
      // A refused batch stops the gapless producer: it is replaced at the next Pump() (served
      // from poll on the owning thread, so no lock is needed).
      self->producerFatal_ = true;
      self->producerFatalReason_ = errstr;
      event.level = 3;
    } else {
      event.kind = EventKind::Fatal;
      event.level = 2;
    }
  }
  self->AddThreadSafe(std::move(event));
}

int Shard::StatsCb(rd_kafka_t* rk, char* json, size_t len, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  // Served from rd_kafka_poll / consumer polls on the owning thread.
  if (rk == self->consumer_) self->consumerStats_.assign(json, len);
  else if (rk == self->producer_) self->producerStats_.assign(json, len);
  return 0;  // librdkafka frees json
}

void Shard::AddThreadSafe(ShardEvent event) {
  std::lock_guard<std::mutex> lock(logMutex_);
  if (logs_.size() >= kMaxLogs) logs_.pop_front();
  logs_.push_back(std::move(event));
}

void Shard::AddEvent(ShardEvent event) { events_.push_back(std::move(event)); }

void Shard::AddPartitionEvent(EventKind kind, int level, const Partition& p, int64_t offset, std::string message, int64_t count) {
  ShardEvent event;
  event.kind = kind;
  event.level = level;
  event.topic = p.rt.topic();
  event.partition = p.rt.partition();
  event.offset = offset;
  event.count = count;
  event.message = std::move(message);
  AddEvent(std::move(event));
}

// --- the JS surface ---

// syncCounts() → { written, dropped, failed }: offset syncs acknowledged, refused by the queue, refused by the cluster.
Napi::Value Shard::SyncCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("written", static_cast<double>(syncWriter_ ? syncWriter_->written() : 0));
  o.Set("dropped", static_cast<double>(syncWriter_ ? syncWriter_->dropped() : 0));
  o.Set("failed", static_cast<double>(syncWriter_ ? syncWriter_->failed() : 0));
  return o;
}

// clientStats() → { consumer, producer }: the newest statistics JSON of each client ("" before the first).
Napi::Value Shard::ClientStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("consumer", consumerStats_);
  o.Set("producer", producerStats_);
  return o;
}

// stats() → [PartitionStats] (src/native/addon.ts)
Napi::Value Shard::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  ForEachPartition([&](Partition& p) {
    int64_t low = -1, high = -1;
    if (consumer_) rd_kafka_get_watermark_offsets(consumer_, p.rt.topic().c_str(), p.rt.partition(), &low, &high);
    Napi::Object o = Napi::Object::New(env);
    o.Set("topic", p.rt.topic());
    o.Set("remoteTopic", p.remoteTopic);
    o.Set("partition", p.rt.partition());
    o.Set("status", PartitionStateName(p.rt.state()));
    o.Set("position", static_cast<double>(p.rt.position()));
    o.Set("committed", static_cast<double>(p.committed));
    o.Set("produced", static_cast<double>(p.rt.produced()));
    o.Set("failedAt", static_cast<double>(p.rt.failedAt()));
    o.Set("failure", p.rt.reason());
    o.Set("writtenPastFailure", static_cast<double>(p.rt.writtenPastFailure()));
    o.Set("lastTargetOffset", static_cast<double>(p.lastTargetOffset));
    o.Set("lastTimestamp", static_cast<double>(p.lastTimestamp));
    o.Set("records", static_cast<double>(p.records));
    o.Set("bytes", static_cast<double>(p.bytes));
    o.Set("inFlight", static_cast<double>(p.rt.inFlight()));
    o.Set("latencySumMs", static_cast<double>(p.latencySumMs));
    o.Set("latencyMaxMs", static_cast<double>(p.latencyMaxMs));
    o.Set("ageSumMs", static_cast<double>(p.ageSumMs));
    Napi::Array latency = Napi::Array::New(env, p.latencyBuckets.size());
    Napi::Array age = Napi::Array::New(env, p.ageBuckets.size());
    for (size_t b = 0; b < p.latencyBuckets.size(); b++) {
      latency.Set(static_cast<uint32_t>(b), static_cast<double>(p.latencyBuckets[b]));
      age.Set(static_cast<uint32_t>(b), static_cast<double>(p.ageBuckets[b]));
    }
    o.Set("latencyBuckets", latency);
    o.Set("ageBuckets", age);
    o.Set("highWatermark", static_cast<double>(high));
    o.Set("lowWatermark", static_cast<double>(low));
    out.Set(i++, o);
  });
  return out;
}

Napi::Value Shard::DrainEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<ShardEvent> events;
  events.swap(events_);
  {
    std::lock_guard<std::mutex> lock(logMutex_);
    for (auto& log : logs_) events.push_back(std::move(log));
    logs_.clear();
  }
  Napi::Array out = Napi::Array::New(env, events.size());
  for (size_t i = 0; i < events.size(); i++) {
    const ShardEvent& e = events[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", EventKindName(e.kind));
    o.Set("level", e.level);
    if (!e.topic.empty()) o.Set("topic", e.topic);
    if (e.partition >= 0) o.Set("partition", e.partition);
    if (e.offset >= 0) o.Set("offset", static_cast<double>(e.offset));
    if (e.count >= 0) o.Set("count", static_cast<double>(e.count));
    o.Set("message", e.message);
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// resumePartition(topic, partition): an operator resumes a PAUSED or FAILED partition.
Napi::Value Shard::ResumePartition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  Partition* p = PartitionFor(info[0].ToString().Utf8Value(), info[1].As<Napi::Number>().Int32Value(), false);
  return Napi::Boolean::New(env, p && p->rt.OperatorResume(*this));
}

// pausePartition(topic, partition): an operator stops copying one partition (status PAUSED).
Napi::Value Shard::PausePartition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  Partition* p = PartitionFor(info[0].ToString().Utf8Value(), info[1].As<Napi::Number>().Int32Value(), false);
  return Napi::Boolean::New(env, p && p->rt.OperatorPause(*this));
}

// resumeWaiting() → how many WAITING partitions were restarted (after the remote partitions appeared).
Napi::Value Shard::ResumeWaiting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return Napi::Number::New(env, RetryWaiting());
}

// close(timeoutMs = 30000): leaves the group (revoking waits for what is in flight and stores the
// positions of acknowledged records), then frees everything — all within timeoutMs, whatever the
// clusters do. What is not acknowledged by then is copied again after a restart.
Napi::Value Shard::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  int timeoutMs = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 30000;
  closing_ = true;
  closeDeadlineMs_ = SteadyMs() + timeoutMs;
  for (auto& [msg, _] : pending_) rd_kafka_message_destroy(msg);
  pending_.clear();
  rd_kafka_queue_t* closeQueue = rd_kafka_queue_new(consumer_);
  if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(consumer_, closeQueue)) {
    rd_kafka_error_destroy(error);
  } else {
    // The revocation (OnRevoke) is served from this queue, on this thread.
    while (!rd_kafka_consumer_closed(consumer_) && SteadyMs() < closeDeadlineMs_) {
      rd_kafka_queue_poll_callback(closeQueue, 100);
      if (producer_) rd_kafka_poll(producer_, 0);
    }
  }
  rd_kafka_queue_destroy(closeQueue);
  FlushProducer(closeDeadlineMs_);
  StorePositions(true, nullptr, static_cast<int>(std::max<int64_t>(0, closeDeadlineMs_ - SteadyMs())));
  FlushTailSyncs();
  if (syncWriter_) syncWriter_->Flush(static_cast<int>(std::max<int64_t>(0, closeDeadlineMs_ - SteadyMs())));
  closed_ = true;
  Destroy();
  return env.Undefined();
}

}  // namespace kmirror
