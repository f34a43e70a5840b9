// Reads records back byte for byte (null and empty keys, values and header values kept apart),
// which node-rdkafka's consumer does not do for header values. Used by tests and tools.
#pragma once

#include <napi.h>

namespace kmirror {

// readRecords(settings, topic, partition, fromOffset, count, timeoutMs) → Promise<[{ offset, key, value,
// headers: [[name, Buffer|null]], timestamp, timestampType }]>
Napi::Value ReadRecords(const Napi::CallbackInfo& info);

}  // namespace kmirror
