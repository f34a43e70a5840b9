#include "shard.h"

#include <chrono>
#include <cstring>
#include <thread>

namespace kmirror {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

const char* StatusName(PartitionStatus status) {
  switch (status) {
    case PartitionStatus::Running: return "RUNNING";
    case PartitionStatus::Paused: return "PAUSED";
    case PartitionStatus::Waiting: return "WAITING";
    case PartitionStatus::Failed: return "FAILED";
    case PartitionStatus::Revoked: return "REVOKED";
  }
  return "UNKNOWN";
}

struct PartitionList {
  rd_kafka_topic_partition_list_t* list;
  explicit PartitionList(int size) : list(rd_kafka_topic_partition_list_new(size)) {}
  ~PartitionList() { rd_kafka_topic_partition_list_destroy(list); }
  PartitionList(const PartitionList&) = delete;
  PartitionList& operator=(const PartitionList&) = delete;
};

constexpr size_t kMaxLogs = 1000;

size_t LatencyBucket(int64_t ms) {
  size_t i = 0;
  while (i < kLatencyBuckets - 1 && ms > kLatencyBucketsMs[i]) i++;
  return i;
}
constexpr int kAdminTimeoutMs = 15000;

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
    InstanceMethod<&Shard::Close>("close"),
  });
}

// new Shard({ name, consumer, producer, positions, startAtEnd, commitIntervalMs, topics })
Shard::Shard(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Shard>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "Shard options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  name_ = options.Get("name").ToString().Utf8Value();
  startAtEnd_ = options.Get("startAtEnd").ToBoolean().Value();
  if (options.Get("commitIntervalMs").IsNumber()) commitIntervalMs_ = options.Get("commitIntervalMs").As<Napi::Number>().Int32Value();
  if (options.Get("emitOffsetSyncs").IsBoolean()) emitOffsetSyncs_ = options.Get("emitOffsetSyncs").ToBoolean().Value();
  if (options.Get("offsetLagMax").IsNumber()) offsetLagMax_ = options.Get("offsetLagMax").As<Napi::Number>().Int64Value();

  ConfigMap consumerConfig = ReadConfigMap(env, options.Get("consumer"), "consumer");
  ConfigMap producerConfig = ReadConfigMap(env, options.Get("producer"), "producer");
  ConfigMap positionsConfig = ReadConfigMap(env, options.Get("positions"), "positions");
  // What the shard's own logic depends on is not left to configuration:
  // offsets are stored on the target by this class, never committed on the source, and an
  // out-of-range position must surface as an error (data loss is reported, never skipped silently).
  consumerConfig["enable.auto.commit"] = "false";
  consumerConfig["enable.auto.offset.store"] = "false";
  consumerConfig["auto.offset.reset"] = "error";
  consumerConfig["enable.partition.eof"] = "false";
  positionsConfig["enable.auto.commit"] = "false";
  if (positionsConfig.count("group.id") == 0) throw Napi::TypeError::New(env, "positions.group.id is required");
  positionsGroup_ = positionsConfig["group.id"];
  if (producerConfig.count("message.max.bytes")) producerMaxMessageBytes_ = std::stoll(producerConfig["message.max.bytes"]);

  std::string error;
  char errstr[512];
  auto make = [&](rd_kafka_type_t type, const ConfigMap& config, const std::string& role) -> rd_kafka_t* {
    rd_kafka_conf_t* conf = BuildConf(config, name_ + " " + role, error);
    if (!conf) return nullptr;
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_log_cb(conf, &Shard::LogCb);
    rd_kafka_conf_set_error_cb(conf, &Shard::ErrorCb);
    if (type == RD_KAFKA_PRODUCER) rd_kafka_conf_set_dr_msg_cb(conf, &Shard::DeliveryCb);
    if (role != "target positions") rd_kafka_conf_set_stats_cb(conf, &Shard::StatsCb);
    if (role == "source consumer") rd_kafka_conf_set_rebalance_cb(conf, &Shard::RebalanceCb);
    rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      error = name_ + " " + role + ": " + errstr;
    }
    return rk;
  };
  consumer_ = make(RD_KAFKA_CONSUMER, consumerConfig, "source consumer");
  if (consumer_) producer_ = make(RD_KAFKA_PRODUCER, producerConfig, "target producer");
  if (producer_) positions_ = make(RD_KAFKA_CONSUMER, positionsConfig, "target positions");
  std::string syncTopicName;
  if (positions_ && emitOffsetSyncs_ && options.Get("offsetSyncs").IsObject()) {
    Napi::Object syncs = options.Get("offsetSyncs").As<Napi::Object>();
    syncTopicName = syncs.Get("topic").ToString().Utf8Value();
    ConfigMap syncConfig = ReadConfigMap(env, syncs.Get("producer"), "offsetSyncs.producer");
    // In order per partition, and never given up on: a sync lost would make translation inexact.
    syncConfig["enable.idempotence"] = "true";
    syncConfig["message.timeout.ms"] = "0";
    if (syncConfig.count("linger.ms") == 0) syncConfig["linger.ms"] = "50";
    rd_kafka_conf_t* conf = BuildConf(syncConfig, name_ + " offset-syncs producer", error);
    if (conf) {
      rd_kafka_conf_set_opaque(conf, this);
      rd_kafka_conf_set_log_cb(conf, &Shard::LogCb);
      rd_kafka_conf_set_error_cb(conf, &Shard::ErrorCb);
      rd_kafka_conf_set_dr_msg_cb(conf, &Shard::SyncDeliveryCb);
      syncProducer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
      if (!syncProducer_) {
        rd_kafka_conf_destroy(conf);
        error = name_ + " offset-syncs producer: " + errstr;
      }
    }
    if (!syncProducer_) {
      Destroy();
      throw Napi::Error::New(env, error);
    }
    syncTopic_ = rd_kafka_topic_new(syncProducer_, syncTopicName.c_str(), nullptr);
  }
  if (!positions_) {
    Destroy();
    throw Napi::Error::New(env, error);
  }
  rd_kafka_poll_set_consumer(consumer_);
  consumerQueue_ = rd_kafka_queue_get_consumer(consumer_);
  commitQueue_ = rd_kafka_queue_new(positions_);
  batch_.resize(4096);

  if (options.Get("topics").IsArray()) SetTopics(info);
}

Shard::~Shard() { Destroy(); }

void Shard::Destroy() {
  if (consumer_ && !closed_) rd_kafka_consumer_close(consumer_);
  if (producer_) {
    // Anything still queued is dropped: its delivery reports destroy the source messages, which
    // must happen before the consumer that owns their buffers goes away.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(producer_, 5000);
    for (auto& [_, route] : routes_) {
      if (route.remoteTopic) rd_kafka_topic_destroy(route.remoteTopic);
      route.remoteTopic = nullptr;
    }
    rd_kafka_destroy(producer_);
    producer_ = nullptr;
  }
  if (syncProducer_) {
    rd_kafka_flush(syncProducer_, 10000);
    if (syncTopic_) rd_kafka_topic_destroy(syncTopic_);
    syncTopic_ = nullptr;
    rd_kafka_destroy(syncProducer_);
    syncProducer_ = nullptr;
  }
  if (commitQueue_) rd_kafka_queue_destroy(commitQueue_);
  commitQueue_ = nullptr;
  if (positions_) rd_kafka_destroy(positions_);
  positions_ = nullptr;
  if (consumerQueue_) rd_kafka_queue_destroy(consumerQueue_);
  consumerQueue_ = nullptr;
  if (consumer_) rd_kafka_destroy(consumer_);
  consumer_ = nullptr;
  closed_ = true;
}

void Shard::ThrowIfClosed(const Napi::Env& env) const {
  if (closed_) throw Napi::Error::New(env, "shard " + name_ + " is closed");
}

// setTopics([{ source, remote }]): the topics to replicate now, with their remote names.
Napi::Value Shard::SetTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  Napi::Value arg = info[0].IsArray() ? info[0] : info[0].As<Napi::Object>().Get("topics");
  if (!arg.IsArray()) throw Napi::TypeError::New(env, "topics must be an array of { source, remote }");
  Napi::Array topics = arg.As<Napi::Array>();
  std::unordered_map<std::string, std::string> wanted;
  for (uint32_t i = 0; i < topics.Length(); i++) {
    Napi::Object t = topics.Get(i).As<Napi::Object>();
    wanted[t.Get("source").ToString().Utf8Value()] = t.Get("remote").ToString().Utf8Value();
  }
  for (const auto& [source, remote] : wanted) {
    auto it = routes_.find(source);
    if (it != routes_.end() && it->second.remote == remote) continue;
    if (it != routes_.end() && it->second.remoteTopic) rd_kafka_topic_destroy(it->second.remoteTopic);
    TopicRoute& route = routes_[source];
    route.remote = remote;
    route.remoteTopic = rd_kafka_topic_new(producer_, remote.c_str(), nullptr);
    for (auto& state : route.partitions) {
      if (state) state->remoteTopic = remote;
    }
  }
  // Routes of topics no longer wanted stay (their partition states may still see delivery
  // reports); they just leave the subscription.
  std::vector<std::string> names;
  for (const auto& [source, _] : wanted) names.push_back(source);
  PartitionList list(static_cast<int>(names.size()));
  for (const auto& topic : names) rd_kafka_topic_partition_list_add(list.list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = names.empty() ? rd_kafka_unsubscribe(consumer_) : rd_kafka_subscribe(consumer_, list.list);
  if (err) throw Napi::Error::New(env, name_ + ": subscribe failed: " + rd_kafka_err2str(err));
  subscribed_ = !names.empty();
  return env.Undefined();
}

PartitionState* Shard::StateFor(const std::string& topic, int32_t partition, bool create) {
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
    slot = std::make_unique<PartitionState>();
    slot->topic = topic;
    slot->remoteTopic = route.remote;
    slot->partition = partition;
  }
  return slot.get();
}

PartitionState* Shard::StateFor(rd_kafka_topic_t* rkt, int32_t partition) {
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

// pump(maxMessages, timeoutMs) → number of records handed to the producer.
// Waits at most timeoutMs for the first record, then takes what is already fetched.
Napi::Value Shard::Pump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  size_t max = info[0].IsNumber() ? info[0].As<Napi::Number>().Uint32Value() : 1000;
  int timeoutMs = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 100;
  if (max == 0) max = 1;
  if (max > batch_.size()) batch_.resize(max);

  rd_kafka_poll(producer_, 0);
  size_t handed = 0;
  if (subscribed_) {
    ssize_t n = rd_kafka_consume_batch_queue(consumerQueue_, 0, batch_.data(), max);
    if (n == 0) {
      // Nothing fetched yet: block for the first record (serving rebalances meanwhile), but not
      // for long while delivery reports are pending.
      int wait = rd_kafka_outq_len(producer_) > 0 ? std::min(timeoutMs, 10) : timeoutMs;
      rd_kafka_message_t* first = rd_kafka_consume_queue(consumerQueue_, wait);
      if (first) {
        batch_[0] = first;
        ssize_t more = rd_kafka_consume_batch_queue(consumerQueue_, 0, batch_.data() + 1, max - 1);
        n = 1 + (more > 0 ? more : 0);
      }
    }
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t* msg = batch_[i];
      batch_[i] = nullptr;
      if (!msg->err) handed++;
      HandleMessage(msg);
    }
  } else {
    rd_kafka_poll(consumer_, timeoutMs);
  }
  rd_kafka_poll(producer_, 0);
  if (syncProducer_) rd_kafka_poll(syncProducer_, 0);

  int64_t now = NowMs();
  if (now - lastCommitMs_ >= commitIntervalMs_) {
    lastCommitMs_ = now;
    CommitPositions(false, nullptr);
    FlushTailSyncs();
  }
  rd_kafka_queue_poll_callback(commitQueue_, 0);
  if (now - lastWaitingRetryMs_ >= 5000) {
    lastWaitingRetryMs_ = now;
    RetryWaiting();
  }
  return Napi::Number::New(env, static_cast<double>(handed));
}

void Shard::HandleMessage(rd_kafka_message_t* msg) {
  if (msg->err) {
    HandleConsumerError(msg);
    rd_kafka_message_destroy(msg);
    return;
  }
  PartitionState* state = StateFor(msg->rkt, msg->partition);
  if (!state || state->status != PartitionStatus::Running || msg->offset < state->produced) {
    // Not ours any more, failed and waiting for an operator, or already handed over: drop it;
    // the position was not advanced past it, so nothing is lost.
    rd_kafka_message_destroy(msg);
    return;
  }
  if (state->holdAt >= 0 || (state->singleStep && state->inFlight > 0)) {
    // Isolating a refused batch: this record is fetched again once the one in flight is settled.
    Pause(*state);
    rd_kafka_message_destroy(msg);
    return;
  }
  TopicRoute* route = routeByRkt_[msg->rkt];
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_detach_headers(msg, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) headers = nullptr;
  rd_kafka_timestamp_type_t tstype;
  int64_t timestamp = rd_kafka_message_timestamp(msg, &tstype);
  rd_kafka_resp_err_t err;
  for (;;) {
    // msgflags 0: the payload and key are referenced, not copied; `msg` keeps them alive until
    // its delivery report.
    err = rd_kafka_producev(producer_,
                            RD_KAFKA_V_RKT(route->remoteTopic),
                            RD_KAFKA_V_PARTITION(msg->partition),
                            RD_KAFKA_V_MSGFLAGS(0),
                            RD_KAFKA_V_VALUE(msg->payload, msg->len),
                            RD_KAFKA_V_KEY(msg->key, msg->key_len),
                            RD_KAFKA_V_TIMESTAMP(timestamp < 0 ? 0 : timestamp),
                            RD_KAFKA_V_HEADERS(headers),
                            RD_KAFKA_V_OPAQUE(msg),
                            RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    // Back-pressure: the producer's queue is full; serve delivery reports until there is room.
    rd_kafka_poll(producer_, 10);
    if (state->status != PartitionStatus::Running) break;  // a delivery report failed it meanwhile
  }
  if (err || state->status != PartitionStatus::Running) {
    if (headers) rd_kafka_headers_destroy(headers);
    if (err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
      HoldPartition(*state, msg->offset, "remote partition " + route->remote + "-" + std::to_string(msg->partition) +
                                             " does not exist yet on the target");
    } else if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      FailPartition(*state, msg->offset,
                    "record of " + std::to_string(msg->len + msg->key_len) + " bytes is larger than the target producer's "
                    "message.max.bytes (" + std::to_string(producerMaxMessageBytes_) + ")");
    } else if (err) {
      FailPartition(*state, msg->offset, std::string("cannot produce: ") + rd_kafka_err2str(err));
    }
    rd_kafka_message_destroy(msg);
    return;
  }
  state->inFlight++;
  state->produced = msg->offset + 1;
  if (timestamp > 0) {
    int64_t age = NowMs() - timestamp;
    if (age < 0) age = 0;
    state->ageBuckets[LatencyBucket(age)]++;
    state->ageSumMs += static_cast<uint64_t>(age);
  }
}

void Shard::DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  static_cast<Shard*>(opaque)->OnDelivery(msg);
}

void Shard::OnDelivery(const rd_kafka_message_t* msg) {
  rd_kafka_message_t* source = static_cast<rd_kafka_message_t*>(msg->_private);
  PartitionState* state = StateFor(source->rkt, source->partition);
  if (state) {
    state->inFlight--;
    int64_t offset = source->offset;
    bool beforeFailure = (state->failedAt < 0 || offset < state->failedAt) && (state->holdAt < 0 || offset < state->holdAt);
    bool tooLarge = msg->err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE || msg->err == RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE;
    if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Delivery reports of one partition arrive in order (idempotent producer), so the
      // position only moves forward and never past an unacknowledged record.
      if (beforeFailure) {
        state->position = offset + 1;
        state->lastTargetOffset = msg->offset;
        state->records++;
        state->bytes += source->len;
        rd_kafka_timestamp_type_t tstype;
        int64_t ts = rd_kafka_message_timestamp(source, &tstype);
        if (ts > 0) {
          state->lastTimestamp = ts;
          int64_t latency = NowMs() - ts;
          if (latency < 0) latency = 0;
          state->latencySumMs += static_cast<uint64_t>(latency);
          if (latency > state->latencyMaxMs) state->latencyMaxMs = latency;
          state->latencyBuckets[LatencyBucket(latency)]++;
        }
        if (emitOffsetSyncs_) {
          int64_t downstream = msg->offset;
          bool first = state->prevUpstream < 0;
          bool shifted = offset - state->prevUpstream != 1 || downstream - state->prevDownstream != 1;
          bool stale = downstream - (state->syncDownstream + 1) >= offsetLagMax_;
          if (first || shifted || stale) AddSync(*state, offset, downstream);
          state->prevUpstream = offset;
          state->prevDownstream = downstream;
        }
        if (state->singleStep && offset >= state->isolateUntil) {
          state->singleStep = false;
          state->isolateUntil = -1;
        }
        if (state->paused && state->holdAt < 0 && state->status == PartitionStatus::Running) RestartAt(*state, offset + 1);
      }
    } else if (msg->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && msg->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT && beforeFailure) {
      if (tooLarge && state->singleStep) {
        FailPartition(*state, offset, "record of " + std::to_string(source->len + source->key_len) +
                      " bytes is larger than the target accepts (the remote topic's max.message.bytes or the broker's message.max.bytes): " +
                      rd_kafka_err2str(msg->err));
      } else if (tooLarge) {
        // The broker refuses whole batches: find the record at fault by resending one at a time.
        state->holdAt = offset;
        if (offset > state->isolateUntil) state->isolateUntil = offset;
        state->singleStep = true;
        Pause(*state);
      } else {
        FailPartition(*state, offset, std::string("the target refused the record: ") + rd_kafka_err2str(msg->err));
      }
    } else if (tooLarge && state->holdAt >= 0 && offset > state->isolateUntil) {
      state->isolateUntil = offset;  // another record of the refused batch
    }
    if (state->holdAt >= 0 && state->inFlight == 0 && state->status == PartitionStatus::Running) {
      int64_t from = state->holdAt;
      state->holdAt = -1;
      RestartAt(*state, from);
    }
  }
  rd_kafka_message_destroy(source);
}

void Shard::Pause(PartitionState& state) {
  if (state.paused) return;
  state.paused = true;
  PartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, state.topic.c_str(), state.partition);
  rd_kafka_pause_partitions(consumer_, list.list);
}

void Shard::FailPartition(PartitionState& state, int64_t offset, const std::string& reason) {
  if (state.failedAt >= 0 && state.failedAt <= offset) return;
  state.failedAt = offset;
  state.failure = reason;
  state.status = PartitionStatus::Failed;
  state.singleStep = false;
  state.holdAt = -1;
  state.isolateUntil = -1;
  Pause(state);
  AddPartitionEvent("partition-failed", 3, state, offset, reason);
}

void Shard::HoldPartition(PartitionState& state, int64_t offset, const std::string& reason) {
  if (state.status != PartitionStatus::Running) return;
  state.status = PartitionStatus::Waiting;
  state.failure = reason;
  state.produced = offset;  // the next record to copy once resumed
  Pause(state);
  AddPartitionEvent("partition-waiting", 4, state, offset, reason);
}

void Shard::RestartAt(PartitionState& state, int64_t offset) {
  state.status = PartitionStatus::Running;
  state.failedAt = -1;
  state.failure.clear();
  state.produced = offset;
  state.paused = false;
  PartitionList list(1);
  rd_kafka_topic_partition_list_add(list.list, state.topic.c_str(), state.partition)->offset = offset;
  if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_, list.list, kAdminTimeoutMs)) {
    AddPartitionEvent("error", 3, state, offset, std::string("seek failed: ") + rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else if (list.list->elems[0].err) {
    AddPartitionEvent("error", 3, state, offset, std::string("seek failed: ") + rd_kafka_err2str(list.list->elems[0].err));
  }
  rd_kafka_resume_partitions(consumer_, list.list);
}

void Shard::HandleConsumerError(rd_kafka_message_t* msg) {
  std::string topic = msg->rkt ? rd_kafka_topic_name(msg->rkt) : "";
  ShardEvent event;
  event.topic = topic;
  event.partition = msg->partition;
  event.offset = msg->offset;
  if ((msg->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET || msg->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) && msg->rkt) {
    PartitionState* state = StateFor(msg->rkt, msg->partition);
    int64_t low = -1, high = -1;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer_, topic.c_str(), msg->partition, &low, &high, kAdminTimeoutMs);
    if (err || !state) {
      event.kind = "error";
      event.level = 3;
      event.message = std::string("position out of range and the source's offsets cannot be read: ") + rd_kafka_err2str(err);
      AddEvent(std::move(event));
      return;
    }
    int64_t position = msg->offset >= 0 ? msg->offset : state->produced;
    if (position < low) {
      // Retention (or deleteRecords) removed records before they were copied.
      event.kind = "data-loss";
      event.level = 2;
      event.count = low - position;
      event.message = "source records " + std::to_string(position) + ".." + std::to_string(low - 1) +
                      " were deleted before they were replicated (" + std::to_string(low - position) + " records lost); resuming at " +
                      std::to_string(low);
    } else {
      event.kind = "source-truncated";
      event.level = 2;
      event.message = "replication position " + std::to_string(position) + " is beyond the source log end " + std::to_string(high) +
                      " (topic recreated or truncated); resuming at " + std::to_string(low);
    }
    AddEvent(std::move(event));
    // Lost records are reported above; the position moves on so replication continues.
    // After an out-of-range error the fetcher refuses seeks (its state is an error state), so
    // the partition is re-assigned at the new offset instead.
    state->position = low;
    state->produced = low;
    PartitionList list(1);
    rd_kafka_topic_partition_list_add(list.list, topic.c_str(), msg->partition)->offset = low;
    rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_, list.list);
    if (!error) error = rd_kafka_incremental_assign(consumer_, list.list);
    if (error) {
      ShardEvent failure;
      failure.kind = "error";
      failure.level = 3;
      failure.topic = topic;
      failure.partition = msg->partition;
      failure.message = std::string("cannot restart fetching after data loss: ") + rd_kafka_error_string(error);
      AddEvent(std::move(failure));
      rd_kafka_error_destroy(error);
    }
    return;
  }
  event.kind = msg->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || msg->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ? "topic-missing" : "error";
  event.level = 4;
  event.message = rd_kafka_message_errstr(msg);
  AddEvent(std::move(event));
}

void Shard::RebalanceCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->OnAssign(parts);
  } else {
    self->OnRevoke(parts);
  }
}

void Shard::OnAssign(rd_kafka_topic_partition_list_t* parts) {
  // Positions live on the target, in the positions group, keyed by the remote topic name (a
  // topic the target has; brokers refuse offsets for topics they do not know).
  PartitionList remote(parts->cnt);
  for (int i = 0; i < parts->cnt; i++) {
    PartitionState* state = StateFor(parts->elems[i].topic, parts->elems[i].partition, true);
    rd_kafka_topic_partition_list_add(remote.list, state ? state->remoteTopic.c_str() : parts->elems[i].topic,
                                      parts->elems[i].partition);
  }
  // Right after a cluster (or its offsets topic) starts, the group coordinator answers
  // "not coordinator" or "loading" for a while: that is waited out, not treated as a failure.
  rd_kafka_resp_err_t err = ReadPositions(remote.list, 60000);
  std::vector<PartitionState*> started;
  for (int i = 0; i < parts->cnt; i++) {
    rd_kafka_topic_partition_t& part = parts->elems[i];
    PartitionState* state = StateFor(part.topic, part.partition, true);
    if (!state) continue;
    state->failedAt = -1;
    state->failure.clear();
    state->holdAt = -1;
    state->isolateUntil = -1;
    state->singleStep = false;
    state->paused = false;
    state->committed = -1;
    // A new lifetime of the partition here: its first acknowledged record is a sync.
    state->prevUpstream = state->prevDownstream = state->syncUpstream = state->syncDownstream = -1;
    if (err) {
      // Nothing is copied from a guess: the partition waits (paused below) and its position is
      // read again by RetryWaiting().
      state->status = PartitionStatus::Waiting;
      state->positionUnknown = true;
      state->failure = std::string("cannot read the replication position from the target yet: ") + rd_kafka_err2str(err);
      part.offset = RD_KAFKA_OFFSET_END;
      continue;
    }
    int64_t start = StartFor(*state, remote.list->elems[i].offset);
    if (remote.list->elems[i].offset < 0) started.push_back(state);
    part.offset = start;
  }
  if (rd_kafka_error_t* error = rd_kafka_incremental_assign(consumer_, parts)) {
    ShardEvent event;
    event.kind = "error";
    event.level = 3;
    event.message = std::string("assign failed: ") + rd_kafka_error_string(error);
    AddEvent(std::move(event));
    rd_kafka_error_destroy(error);
  }
  PartitionList paused(0);
  for (int i = 0; i < parts->cnt; i++) {
    PartitionState* state = StateFor(parts->elems[i].topic, parts->elems[i].partition, false);
    if (state && state->status == PartitionStatus::Waiting) {
      rd_kafka_topic_partition_list_add(paused.list, state->topic.c_str(), state->partition);
      state->paused = true;
      AddPartitionEvent("partition-waiting", 4, *state, -1, state->failure);
    }
  }
  if (paused.list->cnt > 0) rd_kafka_pause_partitions(consumer_, paused.list);
  if (!started.empty()) CommitPositions(true, nullptr);
  ShardEvent event;
  event.kind = "assigned";
  event.count = parts->cnt;
  AddEvent(std::move(event));
}

namespace {
bool IsRetriableCoordinatorError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
      return true;
    default:
      return false;
  }
}
}  // namespace

rd_kafka_resp_err_t Shard::ReadPositions(rd_kafka_topic_partition_list_t* remote, int waitMs) {
  int64_t deadline = NowMs() + waitMs;
  for (;;) {
    for (int i = 0; i < remote->cnt; i++) {
      remote->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      remote->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    }
    rd_kafka_resp_err_t err = rd_kafka_committed(positions_, remote, kAdminTimeoutMs);
    for (int i = 0; !err && i < remote->cnt; i++) err = remote->elems[i].err;
    if (!err || !IsRetriableCoordinatorError(err) || NowMs() >= deadline) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int64_t Shard::StartFor(PartitionState& state, int64_t committed) {
  int64_t start = committed;
  if (committed < 0) {
    // No position yet: start per auto.offset.reset, resolved to an absolute offset and stored
    // at once, so a restart before the first record is copied starts at the same place.
    int64_t low = 0, high = 0;
    rd_kafka_query_watermark_offsets(consumer_, state.topic.c_str(), state.partition, &low, &high, kAdminTimeoutMs);
    start = startAtEnd_ ? high : low;
  }
  state.positionUnknown = false;
  state.position = start;
  state.produced = start;
  state.committed = committed;
  state.status = PartitionStatus::Running;
  return start;
}

void Shard::OnRevoke(rd_kafka_topic_partition_list_t* parts) {
  bool lost = rd_kafka_assignment_lost(consumer_);
  // Everything handed to the producer is acknowledged (or given up) before the positions are
  // stored and the partitions let go: the next owner starts exactly where this one stopped.
  rd_kafka_flush(producer_, 30000);
  if (!lost) CommitPositions(true, parts);
  FlushTailSyncs();
  for (int i = 0; i < parts->cnt; i++) {
    PartitionState* state = StateFor(parts->elems[i].topic, parts->elems[i].partition, false);
    if (state) state->status = PartitionStatus::Revoked;
  }
  if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_, parts)) rd_kafka_error_destroy(error);
  ShardEvent event;
  event.kind = "revoked";
  event.count = parts->cnt;
  event.message = lost ? "assignment lost" : "";
  AddEvent(std::move(event));
}

// A partition whose every fetched record is acknowledged may sit before offsets that hold no
// record (transaction markers, aborted records): the consumer's position has moved past them,
// and so may the replication position. Without this a transactional topic would show a lag of
// one (the last commit marker) for ever, and failover could not tell it is caught up.
void Shard::AdvancePastControlRecords() {
  PartitionList list(16);
  for (auto& [_, route] : routes_) {
    for (auto& state : route.partitions) {
      if (state && state->status == PartitionStatus::Running && !state->paused && state->inFlight == 0 &&
          state->holdAt < 0 && state->position >= 0 && state->produced == state->position) {
        rd_kafka_topic_partition_list_add(list.list, state->topic.c_str(), state->partition);
      }
    }
  }
  if (list.list->cnt == 0 || rd_kafka_position(consumer_, list.list) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
  for (int i = 0; i < list.list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list.list->elems[i];
    PartitionState* state = StateFor(p.topic, p.partition, false);
    if (state && !p.err && p.offset > state->position && state->produced == state->position) {
      state->position = p.offset;
      state->produced = p.offset;
    }
  }
}

void Shard::CommitPositions(bool sync, const rd_kafka_topic_partition_list_t* only) {
  if (!only) AdvancePastControlRecords();
  PartitionList list(16);
  auto add = [&](PartitionState& state) {
    if (state.position < 0 || state.position == state.committed) return;
    if (!only && state.status == PartitionStatus::Revoked) return;
    rd_kafka_topic_partition_list_add(list.list, state.remoteTopic.c_str(), state.partition)->offset = state.position;
  };
  if (only) {
    for (int i = 0; i < only->cnt; i++) {
      PartitionState* state = StateFor(only->elems[i].topic, only->elems[i].partition, false);
      if (state) add(*state);
    }
  } else {
    for (auto& [_, route] : routes_) {
      for (auto& state : route.partitions) {
        if (state) add(*state);
      }
    }
  }
  if (list.list->cnt == 0) return;
  if (sync) {
    rd_kafka_resp_err_t err = rd_kafka_commit(positions_, list.list, 0);
    CommitCb(positions_, err, list.list, this);
  } else {
    rd_kafka_commit_queue(positions_, list.list, commitQueue_, &Shard::CommitCb, this);
  }
}

void Shard::CommitCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  if (!offsets) return;
  for (int i = 0; i < offsets->cnt; i++) {
    const rd_kafka_topic_partition_t& p = offsets->elems[i];
    rd_kafka_resp_err_t perr = err ? err : p.err;
    // Find the partition by its remote name.
    for (auto& [_, route] : self->routes_) {
      if (route.remote != p.topic) continue;
      if (p.partition >= 0 && static_cast<size_t>(p.partition) < route.partitions.size() && route.partitions[p.partition]) {
        PartitionState& state = *route.partitions[p.partition];
        if (!perr) {
          if (p.offset > state.committed) state.committed = p.offset;
        } else {
          self->AddPartitionEvent("commit-failed", 4, state, p.offset, std::string("cannot store the replication position on the target: ") + rd_kafka_err2str(perr));
        }
      }
      break;
    }
  }
}

void Shard::LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  Shard* self = static_cast<Shard*>(rd_kafka_opaque(rk));
  if (!self) return;
  ShardEvent event;
  event.kind = "log";
  event.level = level;
  event.message = std::string(rd_kafka_name(rk)) + " " + fac + ": " + buf;
  std::lock_guard<std::mutex> lock(self->logMutex_);
  if (self->logs_.size() >= kMaxLogs) self->logs_.pop_front();
  self->logs_.push_back(std::move(event));
}

void Shard::ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  ShardEvent event;
  event.kind = err == RD_KAFKA_RESP_ERR__FATAL ? "fatal" : "error";
  event.level = err == RD_KAFKA_RESP_ERR__FATAL ? 2 : 4;
  event.message = std::string(rd_kafka_name(rk)) + ": " + reason;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char errstr[512];
    rd_kafka_fatal_error(rk, errstr, sizeof(errstr));
    event.message += std::string(": ") + errstr;
  }
  std::lock_guard<std::mutex> lock(self->logMutex_);
  if (self->logs_.size() >= kMaxLogs) self->logs_.pop_front();
  self->logs_.push_back(std::move(event));
}

namespace {

void PutBigEndian(char* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

}  // namespace

// Writes the sync as an MM2 OffsetSync record (src/mirror-client/offset-sync.ts has the grammar
// and the golden bytes): key = topic:STRING partition:INT32, value = upstream:INT64
// downstream:INT64, big-endian. Produced from this thread, so no sync ever reaches JavaScript.
void Shard::AddSync(PartitionState& state, int64_t upstream, int64_t downstream) {
  state.syncUpstream = upstream;
  state.syncDownstream = downstream;
  if (!syncProducer_) return;
  if (state.syncKey.empty()) {
    state.syncKey.resize(2 + state.topic.size() + 4);
    PutBigEndian(&state.syncKey[0], state.topic.size(), 2);
    state.syncKey.replace(2, state.topic.size(), state.topic);
    PutBigEndian(&state.syncKey[2 + state.topic.size()], static_cast<uint32_t>(state.partition), 4);
  }
  char value[16];
  PutBigEndian(value, static_cast<uint64_t>(upstream), 8);
  PutBigEndian(value + 8, static_cast<uint64_t>(downstream), 8);
  rd_kafka_resp_err_t err = rd_kafka_producev(syncProducer_,
                                              RD_KAFKA_V_RKT(syncTopic_),
                                              RD_KAFKA_V_PARTITION(0),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_KEY(state.syncKey.data(), state.syncKey.size()),
                                              RD_KAFKA_V_VALUE(value, sizeof(value)),
                                              RD_KAFKA_V_END);
  if (err) {
    // The queue is full (the offset-syncs cluster has been unreachable for long): replication goes
    // on; translation stays exact up to the last sync written and catches up with the next ones.
    if (syncsDropped_++ == 0 || lastSyncError_ != rd_kafka_err2str(err)) {
      lastSyncError_ = rd_kafka_err2str(err);
      AddPartitionEvent("error", 4, state, upstream, std::string("offset sync not written (") + lastSyncError_ +
                        "): checkpoints for offsets up to here may re-read until the next sync");
    }
  }
}

void Shard::SyncDeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->syncsWritten_++;
  } else if (msg->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && msg->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    if (self->syncsFailed_++ == 0 || self->lastSyncError_ != rd_kafka_err2str(msg->err)) {
      self->lastSyncError_ = rd_kafka_err2str(msg->err);
      ShardEvent event;
      event.kind = "error";
      event.level = 4;
      event.message = std::string("the offset-syncs topic refused a sync: ") + self->lastSyncError_;
      self->AddEvent(std::move(event));
    }
  }
}

// The newest acknowledged record of each partition becomes a sync if it is not one: together
// with the syncs at every shift, readers then know exactly where copying stands.
void Shard::FlushTailSyncs() {
  if (!emitOffsetSyncs_) return;
  for (auto& [_, route] : routes_) {
    for (auto& state : route.partitions) {
      if (state && state->prevUpstream >= 0 && state->prevUpstream != state->syncUpstream) {
        AddSync(*state, state->prevUpstream, state->prevDownstream);
      }
    }
  }
}

int Shard::StatsCb(rd_kafka_t* rk, char* json, size_t len, void* opaque) {
  Shard* self = static_cast<Shard*>(opaque);
  // Served from rd_kafka_poll / consumer polls on the owning thread.
  if (rk == self->consumer_) self->consumerStats_.assign(json, len);
  else if (rk == self->producer_) self->producerStats_.assign(json, len);
  return 0;  // librdkafka frees json
}

// syncCounts() → { written, dropped, failed }: offset syncs acknowledged, refused by the queue, refused by the cluster.
Napi::Value Shard::SyncCounts(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("written", static_cast<double>(syncsWritten_));
  o.Set("dropped", static_cast<double>(syncsDropped_));
  o.Set("failed", static_cast<double>(syncsFailed_));
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

void Shard::AddEvent(ShardEvent event) {
  events_.push_back(std::move(event));
}

void Shard::AddPartitionEvent(const char* kind, int level, const PartitionState& state, int64_t offset, std::string message) {
  ShardEvent event;
  event.kind = kind;
  event.level = level;
  event.topic = state.topic;
  event.partition = state.partition;
  event.offset = offset;
  event.message = std::move(message);
  AddEvent(std::move(event));
}

// stats() → [{ topic, remoteTopic, partition, status, position, committed, ... }]
Napi::Value Shard::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  for (auto& [topic, route] : routes_) {
    for (auto& state : route.partitions) {
      if (!state) continue;
      int64_t low = -1, high = -1;
      if (consumer_) rd_kafka_get_watermark_offsets(consumer_, topic.c_str(), state->partition, &low, &high);
      Napi::Object o = Napi::Object::New(env);
      o.Set("topic", state->topic);
      o.Set("remoteTopic", state->remoteTopic);
      o.Set("partition", state->partition);
      o.Set("status", StatusName(state->status));
      o.Set("position", static_cast<double>(state->position));
      o.Set("committed", static_cast<double>(state->committed));
      o.Set("produced", static_cast<double>(state->produced));
      o.Set("failedAt", static_cast<double>(state->failedAt));
      o.Set("failure", state->failure);
      o.Set("lastTargetOffset", static_cast<double>(state->lastTargetOffset));
      o.Set("lastTimestamp", static_cast<double>(state->lastTimestamp));
      o.Set("records", static_cast<double>(state->records));
      o.Set("bytes", static_cast<double>(state->bytes));
      o.Set("inFlight", static_cast<double>(state->inFlight));
      o.Set("latencySumMs", static_cast<double>(state->latencySumMs));
      o.Set("latencyMaxMs", static_cast<double>(state->latencyMaxMs));
      o.Set("ageSumMs", static_cast<double>(state->ageSumMs));
      Napi::Array latency = Napi::Array::New(env, kLatencyBuckets);
      Napi::Array age = Napi::Array::New(env, kLatencyBuckets);
      for (size_t b = 0; b < kLatencyBuckets; b++) {
        latency.Set(static_cast<uint32_t>(b), static_cast<double>(state->latencyBuckets[b]));
        age.Set(static_cast<uint32_t>(b), static_cast<double>(state->ageBuckets[b]));
      }
      o.Set("latencyBuckets", latency);
      o.Set("ageBuckets", age);
      o.Set("highWatermark", static_cast<double>(high));
      o.Set("lowWatermark", static_cast<double>(low));
      out.Set(i++, o);
    }
  }
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
    o.Set("kind", e.kind);
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

// resumePartition(topic, partition): an operator fixed the cause of a FAILED partition.
Napi::Value Shard::ResumePartition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  std::string topic = info[0].ToString().Utf8Value();
  int32_t partition = info[1].As<Napi::Number>().Int32Value();
  PartitionState* state = StateFor(topic, partition, false);
  if (!state) return Napi::Boolean::New(env, false);
  if (state->status == PartitionStatus::Paused) {
    // Everything handed over before the pause is acknowledged or in flight: continue after it.
    RestartAt(*state, state->produced);
    return Napi::Boolean::New(env, true);
  }
  if (state->status != PartitionStatus::Failed) return Napi::Boolean::New(env, false);
  // Records after the failed one may have been delivered already: copying again from the
  // position duplicates them, never skips any.
  RestartAt(*state, state->position);
  return Napi::Boolean::New(env, true);
}

// pausePartition(topic, partition): an operator stops copying one partition (status PAUSED).
Napi::Value Shard::PausePartition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  std::string topic = info[0].ToString().Utf8Value();
  int32_t partition = info[1].As<Napi::Number>().Int32Value();
  PartitionState* state = StateFor(topic, partition, false);
  if (!state || state->status == PartitionStatus::Revoked) return Napi::Boolean::New(env, false);
  if (state->status == PartitionStatus::Running) {
    state->status = PartitionStatus::Paused;
    Pause(*state);
    AddPartitionEvent("partition-paused", 5, *state, state->produced, "paused by an operator");
  }
  return Napi::Boolean::New(env, true);
}

// resumeWaiting() → how many WAITING partitions were restarted (after the remote partitions appeared).
Napi::Value Shard::ResumeWaiting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ThrowIfClosed(env);
  return Napi::Number::New(env, RetryWaiting());
}

uint32_t Shard::RetryWaiting() {
  uint32_t resumed = 0;
  for (auto& [_, route] : routes_) {
    bool refreshed = false;
    for (auto& state : route.partitions) {
      if (!state || state->status != PartitionStatus::Waiting) continue;
      if (state->positionUnknown) {
        PartitionList one(1);
        rd_kafka_topic_partition_list_add(one.list, state->remoteTopic.c_str(), state->partition);
        rd_kafka_resp_err_t err = ReadPositions(one.list, 0);
        if (err) {
          state->failure = std::string("cannot read the replication position from the target yet: ") + rd_kafka_err2str(err);
          continue;
        }
        int64_t committed = one.list->elems[0].offset;
        int64_t start = StartFor(*state, committed);
        RestartAt(*state, start);
        if (committed < 0) CommitPositions(true, nullptr);
        resumed++;
        continue;
      }
      if (!refreshed) {
        // The producer only learns of new remote partitions from metadata: ask now.
        const rd_kafka_metadata_t* md = nullptr;
        if (rd_kafka_metadata(producer_, 0, route.remoteTopic, &md, kAdminTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          rd_kafka_metadata_destroy(md);
        }
        refreshed = true;
      }
      RestartAt(*state, state->produced);
      resumed++;
    }
  }
  return resumed;
}

// close(): leaves the group (revoking, which flushes and stores positions), then frees everything.
Napi::Value Shard::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) return env.Undefined();
  rd_kafka_consumer_close(consumer_);
  rd_kafka_flush(producer_, 30000);
  CommitPositions(true, nullptr);
  FlushTailSyncs();  // written by Destroy()'s flush of the sync producer
  closed_ = true;
  Destroy();
  return env.Undefined();
}

}  // namespace kmirror
