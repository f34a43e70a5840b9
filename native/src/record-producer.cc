#include "record-producer.h"

#include <vector>

#include "client-config.h"

namespace kmirror {

Napi::Function RecordProducer::Define(Napi::Env env) {
  return DefineClass(env, "RecordProducer", {
    InstanceMethod<&RecordProducer::Produce>("produce"),
    InstanceMethod<&RecordProducer::Flush>("flush"),
    InstanceMethod<&RecordProducer::Close>("close"),
  });
}

RecordProducer::RecordProducer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RecordProducer>(info) {
  Napi::Env env = info.Env();
  std::string error;
  rd_kafka_conf_t* conf = BuildConf(ReadConfigMap(env, info[0], "producer"), "producer", error);
  if (!conf) throw Napi::Error::New(env, error);
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_dr_msg_cb(conf, &RecordProducer::DeliveryCb);
  char errstr[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw Napi::Error::New(env, std::string("producer: ") + errstr);
  }
}

RecordProducer::~RecordProducer() {
  if (rk_) rd_kafka_destroy(rk_);
}

void RecordProducer::DeliveryCb(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) {
  RecordProducer* self = static_cast<RecordProducer*>(opaque);
  if (msg->err) {
    self->failed_++;
    if (self->firstError_.empty()) self->firstError_ = rd_kafka_err2str(msg->err);
  } else {
    self->delivered_++;
  }
}

static bool IsBytes(const Napi::Value& v) { return v.IsBuffer() || v.IsTypedArray(); }

static std::pair<const void*, size_t> Bytes(const Napi::Value& v) {
  if (v.IsBuffer()) {
    Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
    // A zero-length Buffer is an empty (not null) value: give librdkafka a non-null pointer.
    static const uint8_t empty = 0;
    return {b.Length() ? b.Data() : &empty, b.Length()};
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  static const uint8_t empty = 0;
  return {a.ByteLength() ? a.Data() : &empty, a.ByteLength()};
}

// produce(topic, [{ partition?, key?, value, headers?: [[name, Buffer|null]], timestamp? }]) → number queued.
// Bytes are copied into librdkafka: the JS buffers may be reused at once. null = null, Buffer(0) = empty.
Napi::Value RecordProducer::Produce(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!rk_) throw Napi::Error::New(env, "producer is closed");
  std::string topic = info[0].ToString().Utf8Value();
  Napi::Array records = info[1].As<Napi::Array>();
  for (uint32_t i = 0; i < records.Length(); i++) {
    Napi::Object r = records.Get(i).As<Napi::Object>();
    int32_t partition = r.Get("partition").IsNumber() ? r.Get("partition").As<Napi::Number>().Int32Value() : RD_KAFKA_PARTITION_UA;
    int64_t timestamp = r.Get("timestamp").IsNumber() ? r.Get("timestamp").As<Napi::Number>().Int64Value() : 0;
    Napi::Value key = r.Get("key");
    Napi::Value value = r.Get("value");
    std::pair<const void*, size_t> k = IsBytes(key) ? Bytes(key) : std::pair<const void*, size_t>{nullptr, 0};
    std::pair<const void*, size_t> v = IsBytes(value) ? Bytes(value) : std::pair<const void*, size_t>{nullptr, 0};
    rd_kafka_headers_t* headers = nullptr;
    if (r.Get("headers").IsArray()) {
      Napi::Array hs = r.Get("headers").As<Napi::Array>();
      headers = rd_kafka_headers_new(hs.Length());
      for (uint32_t h = 0; h < hs.Length(); h++) {
        Napi::Array pair = hs.Get(h).As<Napi::Array>();
        std::string name = pair.Get(0u).ToString().Utf8Value();
        Napi::Value hv = pair.Get(1u);
        if (IsBytes(hv)) {
          auto b = Bytes(hv);
          rd_kafka_header_add(headers, name.c_str(), name.size(), b.first, b.second);
        } else {
          rd_kafka_header_add(headers, name.c_str(), name.size(), nullptr, 0);
        }
      }
    }
    rd_kafka_resp_err_t err;
    for (;;) {
      err = rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(const_cast<void*>(v.first), v.second),
                              RD_KAFKA_V_KEY(k.first, k.second), RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_HEADERS(headers),
                              RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk_, 10);
    }
    if (err) {
      if (headers) rd_kafka_headers_destroy(headers);
      throw Napi::Error::New(env, "produce to " + topic + " failed: " + rd_kafka_err2str(err));
    }
  }
  rd_kafka_poll(rk_, 0);
  return Napi::Number::New(env, records.Length());
}

// flush(timeoutMs) → { delivered, failed, error? } since the producer was created.
Napi::Value RecordProducer::Flush(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!rk_) throw Napi::Error::New(env, "producer is closed");
  int timeout = info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 30000;
  rd_kafka_resp_err_t err = rd_kafka_flush(rk_, timeout);
  Napi::Object out = Napi::Object::New(env);
  out.Set("delivered", static_cast<double>(delivered_));
  out.Set("failed", static_cast<double>(failed_));
  if (!firstError_.empty()) out.Set("error", firstError_);
  if (err) out.Set("error", std::string("flush: ") + rd_kafka_err2str(err));
  return out;
}

Napi::Value RecordProducer::Close(const Napi::CallbackInfo& info) {
  if (rk_) {
    rd_kafka_flush(rk_, 10000);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }
  return info.Env().Undefined();
}

}  // namespace kmirror
