// Building librdkafka configurations from JS objects. No V8 objects survive past the call:
// the result is a plain rd_kafka_conf_t owned by the caller until rd_kafka_new takes it.
#pragma once

#include <map>
#include <string>

#include <librdkafka/rdkafka.h>
#include <napi.h>

namespace kmirror {

using ConfigMap = std::map<std::string, std::string>;

// Reads a JS object of string (or number/boolean) values. Throws a JS TypeError otherwise.
ConfigMap ReadConfigMap(const Napi::Env& env, const Napi::Value& value, const char* what);

// True for settings holding credentials: their values never appear in errors or logs.
bool IsSecretKey(const std::string& key);

// Builds a conf; on a bad key or value returns nullptr and sets `error` to a message naming the
// client role and the key (never the value of a secret).
rd_kafka_conf_t* BuildConf(const ConfigMap& config, const std::string& role, std::string& error);

// What librdkafka says of a client configuration, as `run` would build it: every setting set
// (BuildConf) and the client created ("producer" or "consumer"), which runs librdkafka's start-up
// checks (conflicting settings, the TLS context with its certificates and key, the SASL mechanism).
// The client is created without brokers, so it connects nowhere, runs no kinit, and is destroyed at
// once. Returns "" when librdkafka takes it, else its error naming the setting (never a secret value).
std::string CheckClientSettings(const ConfigMap& config, const std::string& type);

// JS: checkClientSettings(settings, type = "producer") → null, or librdkafka's error.
Napi::Value CheckClientSettingsJs(const Napi::CallbackInfo& info);

}  // namespace kmirror
