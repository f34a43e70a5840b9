// kmirror's native addon: registers the exported classes, nothing else.
// Context-aware (NODE_API_MODULE), so it loads in every worker thread.
#include <napi.h>

#include <librdkafka/rdkafka.h>

#include "admin.h"
#include "client-config.h"
#include "record-producer.h"
#include "record-reader.h"
#include "shard/shard.h"
#include "shard/testing.h"

namespace kmirror {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Shard", Shard::Define(env));
  exports.Set("testing", TestingExports(env));
  exports.Set("Admin", Admin::Define(env));
  exports.Set("RecordProducer", RecordProducer::Define(env));
  exports.Set("readRecords", Napi::Function::New(env, ReadRecords, "readRecords"));
  exports.Set("librdkafkaVersion", Napi::String::New(env, rd_kafka_version_str()));
  exports.Set("checkClientSettings", Napi::Function::New(env, CheckClientSettingsJs, "checkClientSettings"));
  return exports;
}

}  // namespace kmirror

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return kmirror::Init(env, exports); }

NODE_API_MODULE(kmirror_native, InitAddon)
