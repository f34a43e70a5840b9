#include "offset-sync-writer.h"

namespace kmirror {

namespace {

void PutBigEndian(char* out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
}

}  // namespace

OffsetSyncWriter* OffsetSyncWriter::Create(ConfigMap config, const std::string& topic, const std::string& name, EventSink* sink,
                                           std::string& error) {
  // In order per partition, and never given up on: a sync lost would make translation inexact.
  config["enable.idempotence"] = "true";
  config["message.timeout.ms"] = "0";
  if (config.count("linger.ms") == 0) config["linger.ms"] = "50";
  rd_kafka_conf_t* conf = BuildConf(config, name + " offset-syncs producer", error);
  if (!conf) return nullptr;
  OffsetSyncWriter* writer = new OffsetSyncWriter();
  writer->sink_ = sink;
  rd_kafka_conf_set_opaque(conf, writer);
  rd_kafka_conf_set_log_cb(conf, &OffsetSyncWriter::LogCb);
  rd_kafka_conf_set_error_cb(conf, &OffsetSyncWriter::ErrorCb);
  rd_kafka_conf_set_dr_msg_cb(conf, &OffsetSyncWriter::DeliveryCb);
  char errstr[512];
  writer->producer_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!writer->producer_) {
    rd_kafka_conf_destroy(conf);
    error = name + " offset-syncs producer: " + errstr;
    delete writer;
    return nullptr;
  }
  writer->topic_ = rd_kafka_topic_new(writer->producer_, topic.c_str(), nullptr);
  return writer;
}

OffsetSyncWriter::~OffsetSyncWriter() {
  if (topic_) rd_kafka_topic_destroy(topic_);
  if (producer_) {
    // Whatever the flush left is dropped: the next owner writes syncs again from its first record.
    rd_kafka_purge(producer_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT | RD_KAFKA_PURGE_F_NON_BLOCKING);
    rd_kafka_flush(producer_, 0);
    rd_kafka_destroy_flags(producer_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  }
}

std::string OffsetSyncWriter::EncodeKey(const std::string& topic, int32_t partition) {
  std::string key(2 + topic.size() + 4, '\0');
  PutBigEndian(&key[0], topic.size(), 2);
  key.replace(2, topic.size(), topic);
  PutBigEndian(&key[2 + topic.size()], static_cast<uint32_t>(partition), 4);
  return key;
}

void OffsetSyncWriter::EncodeValue(int64_t upstream, int64_t downstream, char out[16]) {
  PutBigEndian(out, static_cast<uint64_t>(upstream), 8);
  PutBigEndian(out + 8, static_cast<uint64_t>(downstream), 8);
}

bool OffsetSyncWriter::Write(const std::string& key, int64_t upstream, int64_t downstream, std::string* error) {
  char value[16];
  EncodeValue(upstream, downstream, value);
  rd_kafka_resp_err_t err = rd_kafka_producev(producer_,
                                              RD_KAFKA_V_RKT(topic_),
                                              RD_KAFKA_V_PARTITION(0),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_KEY(key.data(), key.size()),
                                              RD_KAFKA_V_VALUE(value, sizeof(value)),
                                              RD_KAFKA_V_END);
  if (!err) return true;
  // Reported once per kind of error, not per sync.
  bool first = dropped_++ == 0 || lastError_ != rd_kafka_err2str(err);
  lastError_ = rd_kafka_err2str(err);
  if (first && error) *error = lastError_;
  return false;
}

void OffsetSyncWriter::DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  OffsetSyncWriter* self = static_cast<OffsetSyncWriter*>(opaque);
  if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->written_++;
  } else if (msg->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE && msg->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
    if (self->failed_++ == 0 || self->lastError_ != rd_kafka_err2str(msg->err)) {
      self->lastError_ = rd_kafka_err2str(msg->err);
      ShardEvent event;
      event.kind = EventKind::Error;
      event.level = 4;
      event.message = "the offset-syncs topic refused a sync: " + self->lastError_;
      self->sink_->AddThreadSafe(std::move(event));
    }
  }
}

void OffsetSyncWriter::LogCb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  OffsetSyncWriter* self = static_cast<OffsetSyncWriter*>(rd_kafka_opaque(rk));
  if (!self) return;
  ShardEvent event;
  event.kind = EventKind::Log;
  event.level = level;
  event.message = std::string(rd_kafka_name(rk)) + " " + fac + ": " + buf;
  self->sink_->AddThreadSafe(std::move(event));
}

void OffsetSyncWriter::ErrorCb(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  OffsetSyncWriter* self = static_cast<OffsetSyncWriter*>(opaque);
  ShardEvent event;
  event.kind = err == RD_KAFKA_RESP_ERR__FATAL ? EventKind::Fatal : EventKind::Error;
  event.level = err == RD_KAFKA_RESP_ERR__FATAL ? 2 : 4;
  event.message = std::string(rd_kafka_name(rk)) + ": " + reason;
  if (err == RD_KAFKA_RESP_ERR__FATAL) self->fatal_ = true;
  self->sink_->AddThreadSafe(std::move(event));
}

}  // namespace kmirror
