#include "client-config.h"

#include <algorithm>
#include <cctype>

namespace kmirror {

ConfigMap ReadConfigMap(const Napi::Env& env, const Napi::Value& value, const char* what) {
  ConfigMap out;
  if (!value.IsObject()) throw Napi::TypeError::New(env, std::string(what) + " must be an object of settings");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Array keys = object.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string key = keys.Get(i).ToString().Utf8Value();
    Napi::Value v = object.Get(key);
    if (!v.IsString() && !v.IsNumber() && !v.IsBoolean()) {
      throw Napi::TypeError::New(env, std::string(what) + "." + key + " must be a string, number or boolean");
    }
    out[key] = v.ToString().Utf8Value();
  }
  return out;
}

bool IsSecretKey(const std::string& key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* word : {"password", "secret", "jaas", "credential", "token", "private", "key.pem", "keystore.key", "ssl_key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

rd_kafka_conf_t* BuildConf(const ConfigMap& config, const std::string& role, std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  for (const auto& [key, value] : config) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      error = role + ": " + key + ": " + (IsSecretKey(key) ? std::string("invalid value") : std::string(errstr));
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

namespace {

void SilentLog(const rd_kafka_t*, int, const char*, const char*) {}

}  // namespace

std::string CheckClientSettings(const ConfigMap& config, const std::string& type) {
  ConfigMap checked(config);
  // No brokers: the client connects nowhere while it exists.
  checked.erase("bootstrap.servers");
  checked.erase("metadata.broker.list");
  std::string error;
  rd_kafka_conf_t* conf = BuildConf(checked, "client", error);
  if (!conf) return error;
  char errstr[512];
  // GSSAPI: no kinit for a check (the command line is still checked when it is set).
  auto mechanism = checked.find("sasl.mechanisms");
  if (mechanism == checked.end()) mechanism = checked.find("sasl.mechanism");
  std::string mech = mechanism == checked.end() ? "GSSAPI" : mechanism->second;
  std::transform(mech.begin(), mech.end(), mech.begin(), [](unsigned char c) { return std::toupper(c); });
  if (mech == "GSSAPI") rd_kafka_conf_set(conf, "sasl.kerberos.min.time.before.relogin", "0", errstr, sizeof(errstr));
  rd_kafka_conf_set_log_cb(conf, SilentLog);
  rd_kafka_t* rk = rd_kafka_new(type == "consumer" ? RD_KAFKA_CONSUMER : RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return std::string("client: ") + errstr;
  }
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  return "";
}

Napi::Value CheckClientSettingsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConfigMap config = ReadConfigMap(env, info[0], "settings");
  std::string type = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "producer";
  if (type != "producer" && type != "consumer") throw Napi::TypeError::New(env, "type must be 'producer' or 'consumer'");
  std::string error = CheckClientSettings(config, type);
  if (error.empty()) return env.Null();
  return Napi::String::New(env, error);
}

}  // namespace kmirror
