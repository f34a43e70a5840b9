// A plain producer whose records (binary headers included) reach the broker byte for byte,
// which node-rdkafka's produce() does not guarantee for headers. Used for test data, benchmark
// preloads and kmirror's own small writes; the replication data path is Shard.
#pragma once

#include <cstdint>
#include <string>

#include <librdkafka/rdkafka.h>
#include <napi.h>

namespace kmirror {

class RecordProducer : public Napi::ObjectWrap<RecordProducer> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit RecordProducer(const Napi::CallbackInfo& info);
  ~RecordProducer() override;

 private:
  Napi::Value Produce(const Napi::CallbackInfo& info);
  Napi::Value Flush(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static void DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque);

  rd_kafka_t* rk_ = nullptr;
  uint64_t delivered_ = 0;
  uint64_t failed_ = 0;
  std::string firstError_;
};

}  // namespace kmirror
