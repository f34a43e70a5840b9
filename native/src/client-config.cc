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

}  // namespace kmirror
