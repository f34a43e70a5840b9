// Admin operations node-rdkafka lacks (describe/alter configs, list offsets, delete records,
// consumer group offsets…), on librdkafka's C admin API. Each call returns a Promise: arguments
// are read on the JS thread, the request runs on the libuv pool (waiting on a private result
// queue), and the answer is turned into JS values back on the JS thread. The worker thread
// touches only plain C++ data.
#pragma once

#include <atomic>
#include <memory>

#include <librdkafka/rdkafka.h>
#include <napi.h>

namespace kmirror {

// The client, shared by the Admin object and every request still running on it: destroyed when
// the last of them lets go. `closed` tells running requests to stop waiting (close() must not
// leave libuv's pool threads waiting out admin.timeout.ms on a cluster that is down).
struct AdminClient {
  explicit AdminClient(rd_kafka_t* handle) : rk(handle) {}
  ~AdminClient() { rd_kafka_destroy(rk); }
  AdminClient(const AdminClient&) = delete;
  AdminClient& operator=(const AdminClient&) = delete;
  rd_kafka_t* const rk;
  std::atomic<bool> closed{false};
};
using AdminHandle = std::shared_ptr<AdminClient>;

class Admin : public Napi::ObjectWrap<Admin> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Admin(const Napi::CallbackInfo& info);
  ~Admin() override;

 private:
  Napi::Value Metadata(const Napi::CallbackInfo& info);
  Napi::Value CreateTopics(const Napi::CallbackInfo& info);
  Napi::Value CreatePartitions(const Napi::CallbackInfo& info);
  Napi::Value DescribeTopicConfigs(const Napi::CallbackInfo& info);
  Napi::Value DescribeTopics(const Napi::CallbackInfo& info);
  Napi::Value DescribeAcls(const Napi::CallbackInfo& info);
  Napi::Value CreateAcls(const Napi::CallbackInfo& info);
  Napi::Value IncrementalAlterTopicConfigs(const Napi::CallbackInfo& info);
  Napi::Value ListOffsets(const Napi::CallbackInfo& info);
  Napi::Value DeleteRecords(const Napi::CallbackInfo& info);
  Napi::Value ListConsumerGroups(const Napi::CallbackInfo& info);
  Napi::Value DescribeConsumerGroups(const Napi::CallbackInfo& info);
  Napi::Value ListConsumerGroupOffsets(const Napi::CallbackInfo& info);
  Napi::Value AlterConsumerGroupOffsets(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  AdminHandle rk_;
};

}  // namespace kmirror
