#include "record-reader.h"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "client-config.h"

namespace kmirror {

namespace {

struct Bytes {
  bool null = true;
  std::string data;
  static Bytes Of(const void* p, size_t n) {
    Bytes b;
    b.null = p == nullptr;
    if (p) b.data.assign(static_cast<const char*>(p), n);
    return b;
  }
  Napi::Value ToJs(Napi::Env env) const {
    if (null) return env.Null();
    return Napi::Buffer<char>::Copy(env, data.data(), data.size());
  }
};

struct Record {
  int64_t offset;
  Bytes key;
  Bytes value;
  std::vector<std::pair<std::string, Bytes>> headers;
  int64_t timestamp;
  int timestampType;
};

class ReadWork : public Napi::AsyncWorker {
 public:
  ReadWork(Napi::Env env, ConfigMap config, std::string topic, int32_t partition, int64_t from, size_t count, int timeoutMs)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), config_(std::move(config)),
        topic_(std::move(topic)), partition_(partition), from_(from), count_(count), timeoutMs_(timeoutMs) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    config_["enable.auto.commit"] = "false";
    if (!config_.count("group.id")) config_["group.id"] = "kmirror-record-reader";
    std::string error;
    rd_kafka_conf_t* conf = BuildConf(config_, "reader", error);
    if (!conf) {
      SetError(error);
      return;
    }
    char errstr[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (!rk) {
      rd_kafka_conf_destroy(conf);
      SetError(errstr);
      return;
    }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition_)->offset = from_;
    rd_kafka_assign(rk, list);
    rd_kafka_topic_partition_list_destroy(list);
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
    auto deadline = rd_clock() + static_cast<int64_t>(timeoutMs_) * 1000;
    while (records_.size() < count_ && rd_clock() < deadline) {
      rd_kafka_message_t* msg = rd_kafka_consume_queue(queue, 100);
      if (!msg) continue;
      if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) error_ = rd_kafka_message_errstr(msg);
        rd_kafka_message_destroy(msg);
        continue;
      }
      Record r;
      r.offset = msg->offset;
      r.key = Bytes::Of(msg->key, msg->key_len);
      r.value = Bytes::Of(msg->payload, msg->len);
      rd_kafka_timestamp_type_t tstype;
      r.timestamp = rd_kafka_message_timestamp(msg, &tstype);
      r.timestampType = tstype;
      rd_kafka_headers_t* headers = nullptr;
      if (rd_kafka_message_headers(msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
          r.headers.emplace_back(name, Bytes::Of(value, size));
        }
      }
      records_.push_back(std::move(r));
      rd_kafka_message_destroy(msg);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, records_.size());
    for (size_t i = 0; i < records_.size(); i++) {
      const Record& r = records_[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("offset", static_cast<double>(r.offset));
      o.Set("key", r.key.ToJs(env));
      o.Set("value", r.value.ToJs(env));
      Napi::Array headers = Napi::Array::New(env, r.headers.size());
      for (size_t h = 0; h < r.headers.size(); h++) {
        Napi::Array pair = Napi::Array::New(env, 2);
        pair.Set(0u, r.headers[h].first);
        pair.Set(1u, r.headers[h].second.ToJs(env));
        headers.Set(static_cast<uint32_t>(h), pair);
      }
      o.Set("headers", headers);
      o.Set("timestamp", static_cast<double>(r.timestamp));
      o.Set("timestampType", r.timestampType == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime");
      out.Set(static_cast<uint32_t>(i), o);
    }
    deferred_.Resolve(out);
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  static int64_t rd_clock() {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
  Napi::Promise::Deferred deferred_;
  ConfigMap config_;
  std::string topic_;
  int32_t partition_;
  int64_t from_;
  size_t count_;
  int timeoutMs_;
  std::vector<Record> records_;
  std::string error_;
};

}  // namespace

Napi::Value ReadRecords(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* work = new ReadWork(env, ReadConfigMap(env, info[0], "reader"), info[1].ToString().Utf8Value(),
                            info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int64Value(),
                            info[4].As<Napi::Number>().Uint32Value(), info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 30000);
  work->Queue();
  return work->Promise();
}

}  // namespace kmirror
