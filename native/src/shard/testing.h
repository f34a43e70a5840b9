// Test-only exports of the shard's rules (see testing.cc).
#pragma once

#include <napi.h>

namespace kmirror {

Napi::Object TestingExports(Napi::Env env);

}  // namespace kmirror
