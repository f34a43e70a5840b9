#include "admin.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "client-config.h"

namespace kmirror {

namespace {

// A small JSON-like tree, built on the libuv pool and turned into JS on the JS thread.
struct Json {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  bool b = false;
  double n = 0;
  std::string s;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  static Json Str(std::string v) { Json j; j.type = Type::String; j.s = std::move(v); return j; }
  static Json Num(double v) { Json j; j.type = Type::Number; j.n = v; return j; }
  static Json Bool(bool v) { Json j; j.type = Type::Bool; j.b = v; return j; }
  static Json Arr() { Json j; j.type = Type::Array; return j; }
  static Json Obj() { Json j; j.type = Type::Object; return j; }
  Json& Set(const std::string& key, Json value) { fields.emplace_back(key, std::move(value)); return *this; }
  void Push(Json value) { items.push_back(std::move(value)); }

  Napi::Value ToJs(Napi::Env env) const {
    switch (type) {
      case Type::Null: return env.Null();
      case Type::Bool: return Napi::Boolean::New(env, b);
      case Type::Number: return Napi::Number::New(env, n);
      case Type::String: return Napi::String::New(env, s);
      case Type::Array: {
        Napi::Array a = Napi::Array::New(env, items.size());
        for (size_t i = 0; i < items.size(); i++) a.Set(static_cast<uint32_t>(i), items[i].ToJs(env));
        return a;
      }
      case Type::Object: {
        Napi::Object o = Napi::Object::New(env);
        for (const auto& [k, v] : fields) o.Set(k, v.ToJs(env));
        return o;
      }
    }
    return env.Null();
  }
};

Json ErrorJson(rd_kafka_resp_err_t err, const char* message = nullptr) {
  if (!err) return Json();
  return Json::Obj().Set("code", Json::Num(err)).Set("name", Json::Str(rd_kafka_err2name(err)))
      .Set("message", Json::Str(message && *message ? message : rd_kafka_err2str(err)));
}

Json ErrorJson(const rd_kafka_error_t* error) {
  if (!error) return Json();
  return ErrorJson(rd_kafka_error_code(error), rd_kafka_error_string(error));
}

Json PartitionsJson(const rd_kafka_topic_partition_list_t* list) {
  Json out = Json::Arr();
  if (!list) return out;
  for (int i = 0; i < list->cnt; i++) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    Json o = Json::Obj().Set("topic", Json::Str(p.topic)).Set("partition", Json::Num(p.partition))
                 .Set("offset", Json::Num(static_cast<double>(p.offset))).Set("error", ErrorJson(p.err));
    if (p.metadata && p.metadata_size > 0) o.Set("metadata", Json::Str(std::string(static_cast<const char*>(p.metadata), p.metadata_size)));
    out.Push(std::move(o));
  }
  return out;
}

// Runs `request` on the libuv pool with a private result queue and turns the result event into
// Json with `read`. The promise rejects when the request itself fails or times out.
class AdminWork : public Napi::AsyncWorker {
 public:
  using Request = std::function<void(rd_kafka_t*, rd_kafka_AdminOptions_t*, rd_kafka_queue_t*)>;
  using Reader = std::function<Json(rd_kafka_event_t*)>;

  AdminWork(Napi::Env env, AdminHandle rk, rd_kafka_admin_op_t op, int timeoutMs, Request request, Reader read)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), rk_(rk), op_(op),
        timeoutMs_(timeoutMs), request_(std::move(request)), read_(std::move(read)) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_->rk);
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk_->rk, op_);
    char errstr[256];
    rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs_, errstr, sizeof(errstr));
    request_(rk_->rk, options, queue);
    // Waited for in slices, so a close() ends the wait at once (the request is abandoned).
    rd_kafka_event_t* event = nullptr;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs_ + 5000);
    while (!event && !rk_->closed && std::chrono::steady_clock::now() < deadline) event = rd_kafka_queue_poll(queue, 200);
    if (!event) {
      error_ = rk_->closed ? std::string("the admin client was closed before the answer came")
                           : "timed out after " + std::to_string(timeoutMs_) + " ms";
    } else if (rd_kafka_event_error(event)) {
      error_ = rd_kafka_event_error_string(event);
      errorCode_ = rd_kafka_event_error(event);
    } else {
      result_ = read_(event);
    }
    if (event) rd_kafka_event_destroy(event);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!error_.empty()) {
      Napi::Error err = Napi::Error::New(env, error_);
      err.Set("code", Napi::Number::New(env, errorCode_));
      deferred_.Reject(err.Value());
    } else {
      deferred_.Resolve(result_.ToJs(env));
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  AdminHandle rk_;  // keeps the client alive until this request ended, even after close()
  rd_kafka_admin_op_t op_;
  int timeoutMs_;
  Request request_;
  Reader read_;
  Json result_;
  std::string error_;
  int errorCode_ = 0;
};

int TimeoutArg(const Napi::CallbackInfo& info, size_t index) {
  return info.Length() > index && info[index].IsNumber() ? info[index].As<Napi::Number>().Int32Value() : 30000;
}

Napi::Array ArrayArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (!info[index].IsArray()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array");
  return info[index].As<Napi::Array>();
}

std::string StringField(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

int64_t NumberField(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().Int64Value();
}

// [{ topic, partition, offset? }] → a partition list (caller owns it).
rd_kafka_topic_partition_list_t* PartitionListArg(const Napi::Array& array, bool withOffset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(array.Length()));
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Object o = array.Get(i).As<Napi::Object>();
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(list, StringField(o, "topic").c_str(),
                                                                      static_cast<int32_t>(NumberField(o, "partition")));
    if (withOffset) p->offset = NumberField(o, "offset");
  }
  return list;
}

struct ListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using ListPtr = std::shared_ptr<rd_kafka_topic_partition_list_t>;
ListPtr Shared(rd_kafka_topic_partition_list_t* l) { return ListPtr(l, ListDeleter()); }

Json TopicResults(const rd_kafka_topic_result_t** results, size_t count) {
  Json out = Json::Arr();
  for (size_t i = 0; i < count; i++) {
    out.Push(Json::Obj().Set("name", Json::Str(rd_kafka_topic_result_name(results[i])))
                 .Set("error", ErrorJson(rd_kafka_topic_result_error(results[i]), rd_kafka_topic_result_error_string(results[i]))));
  }
  return out;
}

Json ConfigResources(const rd_kafka_ConfigResource_t** resources, size_t count, bool withEntries) {
  Json out = Json::Arr();
  for (size_t i = 0; i < count; i++) {
    const rd_kafka_ConfigResource_t* r = resources[i];
    Json o = Json::Obj().Set("name", Json::Str(rd_kafka_ConfigResource_name(r)))
                 .Set("error", ErrorJson(rd_kafka_ConfigResource_error(r), rd_kafka_ConfigResource_error_string(r)));
    if (withEntries) {
      size_t n = 0;
      const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(r, &n);
      Json list = Json::Arr();
      for (size_t e = 0; e < n; e++) {
        const char* value = rd_kafka_ConfigEntry_value(entries[e]);
        list.Push(Json::Obj().Set("name", Json::Str(rd_kafka_ConfigEntry_name(entries[e])))
                      .Set("value", value ? Json::Str(value) : Json())
                      .Set("source", Json::Str(rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(entries[e]))))
                      .Set("isDefault", Json::Bool(rd_kafka_ConfigEntry_is_default(entries[e])))
                      .Set("isReadOnly", Json::Bool(rd_kafka_ConfigEntry_is_read_only(entries[e])))
                      .Set("isSensitive", Json::Bool(rd_kafka_ConfigEntry_is_sensitive(entries[e]))));
      }
      o.Set("entries", std::move(list));
    }
    out.Push(std::move(o));
  }
  return out;
}

// The partitions of the first (only) group result, or one entry carrying the group's error.
Json GroupOffsetsJson(const rd_kafka_group_result_t** groups, size_t count) {
  if (count == 0) return Json::Arr();
  if (const rd_kafka_error_t* e = rd_kafka_group_result_error(groups[0])) {
    Json out = Json::Arr();
    out.Push(Json::Obj().Set("error", ErrorJson(e)));
    return out;
  }
  return PartitionsJson(rd_kafka_group_result_partitions(groups[0]));
}

const char* GroupStateName(rd_kafka_consumer_group_state_t state) {
  return rd_kafka_consumer_group_state_name(state);
}

}  // namespace

Napi::Function Admin::Define(Napi::Env env) {
  return DefineClass(env, "Admin", {
    InstanceMethod<&Admin::Metadata>("metadata"),
    InstanceMethod<&Admin::CreateTopics>("createTopics"),
    InstanceMethod<&Admin::CreatePartitions>("createPartitions"),
    InstanceMethod<&Admin::DescribeTopicConfigs>("describeTopicConfigs"),
    InstanceMethod<&Admin::DescribeTopics>("describeTopics"),
    InstanceMethod<&Admin::DescribeAcls>("describeAcls"),
    InstanceMethod<&Admin::CreateAcls>("createAcls"),
    InstanceMethod<&Admin::IncrementalAlterTopicConfigs>("incrementalAlterTopicConfigs"),
    InstanceMethod<&Admin::ListOffsets>("listOffsets"),
    InstanceMethod<&Admin::DeleteRecords>("deleteRecords"),
    InstanceMethod<&Admin::ListConsumerGroups>("listConsumerGroups"),
    InstanceMethod<&Admin::DescribeConsumerGroups>("describeConsumerGroups"),
    InstanceMethod<&Admin::ListConsumerGroupOffsets>("listConsumerGroupOffsets"),
    InstanceMethod<&Admin::AlterConsumerGroupOffsets>("alterConsumerGroupOffsets"),
    InstanceMethod<&Admin::Close>("close"),
  });
}

// new Admin(config)
Admin::Admin(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Admin>(info) {
  Napi::Env env = info.Env();
  ConfigMap config = ReadConfigMap(env, info[0], "admin");
  std::string role = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "admin";
  std::string error;
  rd_kafka_conf_t* conf = BuildConf(config, role, error);
  if (!conf) throw Napi::Error::New(env, error);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw Napi::Error::New(env, role + ": " + errstr);
  }
  rk_ = std::make_shared<AdminClient>(rk);
}

Admin::~Admin() = default;

// close(): no new requests; the client itself is destroyed when the last request still running ends.
Napi::Value Admin::Close(const Napi::CallbackInfo& info) {
  if (rk_) rk_->closed = true;
  rk_.reset();
  return info.Env().Undefined();
}

#define REQUIRE_OPEN(env) \
  if (!rk_) throw Napi::Error::New(env, "admin client is closed")

// metadata(timeoutMs) → { brokers: [{id, host, port}], topics: [{name, error, partitions: [...]}] }
Napi::Value Admin::Metadata(const Napi::CallbackInfo& info) {
  REQUIRE_OPEN(info.Env());
  int timeout = TimeoutArg(info, 0);
  AdminHandle rk = rk_;
  // rd_kafka_metadata is synchronous: it runs directly on the libuv pool.
  class MetadataWork : public Napi::AsyncWorker {
   public:
    MetadataWork(Napi::Env env, AdminHandle rk, int timeout)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), rk_(rk), timeout_(timeout) {}
    Napi::Promise Promise() { return deferred_.Promise(); }
    void Execute() override {
      const rd_kafka_metadata_t* md = nullptr;
      // In slices of a second, so a close() ends the wait (see AdminClient).
      auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_);
      rd_kafka_resp_err_t err;
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        err = rd_kafka_metadata(rk_->rk, 1, nullptr, &md, static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(left, 1000))));
        if (err != RD_KAFKA_RESP_ERR__TIMED_OUT || rk_->closed || left <= 1000) break;
      }
      if (err) {
        error_ = rk_->closed ? std::string("the admin client was closed before the answer came") : rd_kafka_err2str(err);
        return;
      }
      Json brokers = Json::Arr();
      for (int i = 0; i < md->broker_cnt; i++) {
        brokers.Push(Json::Obj().Set("id", Json::Num(md->brokers[i].id)).Set("host", Json::Str(md->brokers[i].host))
                         .Set("port", Json::Num(md->brokers[i].port)));
      }
      Json topics = Json::Arr();
      for (int t = 0; t < md->topic_cnt; t++) {
        const rd_kafka_metadata_topic_t& topic = md->topics[t];
        Json partitions = Json::Arr();
        for (int p = 0; p < topic.partition_cnt; p++) {
          const rd_kafka_metadata_partition_t& part = topic.partitions[p];
          Json replicas = Json::Arr();
          for (int r = 0; r < part.replica_cnt; r++) replicas.Push(Json::Num(part.replicas[r]));
          partitions.Push(Json::Obj().Set("id", Json::Num(part.id)).Set("leader", Json::Num(part.leader))
                              .Set("replicas", std::move(replicas)).Set("error", ErrorJson(part.err)));
        }
        topics.Push(Json::Obj().Set("name", Json::Str(topic.topic)).Set("error", ErrorJson(topic.err))
                        .Set("partitions", std::move(partitions)));
      }
      result_ = Json::Obj().Set("brokers", std::move(brokers)).Set("topics", std::move(topics));
      rd_kafka_metadata_destroy(md);
    }
    void OnOK() override {
      if (!error_.empty()) deferred_.Reject(Napi::Error::New(Env(), error_).Value());
      else deferred_.Resolve(result_.ToJs(Env()));
    }
    void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

   private:
    Napi::Promise::Deferred deferred_;
    AdminHandle rk_;  // keeps the client alive until this request ended, even after close()
    int timeout_;
    Json result_;
    std::string error_;
  };
  auto* metadata = new MetadataWork(info.Env(), rk, timeout);
  metadata->Queue();
  return metadata->Promise();
}

// createTopics([{ name, partitions, replicationFactor, configs }], timeoutMs) → [{ name, error }]
Napi::Value Admin::CreateTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array topics = ArrayArg(info, 0, "topics");
  struct Spec { std::string name; int partitions; int rf; std::vector<std::pair<std::string, std::string>> configs; };
  auto specs = std::make_shared<std::vector<Spec>>();
  for (uint32_t i = 0; i < topics.Length(); i++) {
    Napi::Object t = topics.Get(i).As<Napi::Object>();
    Spec spec{StringField(t, "name"), static_cast<int>(NumberField(t, "partitions")),
              static_cast<int>(NumberField(t, "replicationFactor")), {}};
    if (t.Get("configs").IsObject()) {
      for (const auto& [k, v] : ReadConfigMap(env, t.Get("configs"), "configs")) spec.configs.emplace_back(k, v);
    }
    specs->push_back(std::move(spec));
  }
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS, TimeoutArg(info, 1),
    [specs](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<rd_kafka_NewTopic_t*> news;
      char errstr[256];
      for (const auto& spec : *specs) {
        rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.rf, errstr, sizeof(errstr));
        if (!nt) continue;
        for (const auto& [k, v] : spec.configs) rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str());
        news.push_back(nt);
      }
      rd_kafka_CreateTopics(rk, news.data(), news.size(), options, queue);
      rd_kafka_NewTopic_destroy_array(news.data(), news.size());
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &n);
      return TopicResults(results, n);
    });
  work->Queue();
  return work->Promise();
}

// createPartitions([{ name, totalCount }], timeoutMs) → [{ name, error }]
Napi::Value Admin::CreatePartitions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array topics = ArrayArg(info, 0, "topics");
  auto specs = std::make_shared<std::vector<std::pair<std::string, size_t>>>();
  for (uint32_t i = 0; i < topics.Length(); i++) {
    Napi::Object t = topics.Get(i).As<Napi::Object>();
    specs->emplace_back(StringField(t, "name"), static_cast<size_t>(NumberField(t, "totalCount")));
  }
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, TimeoutArg(info, 1),
    [specs](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<rd_kafka_NewPartitions_t*> news;
      char errstr[256];
      for (const auto& [name, count] : *specs) {
        rd_kafka_NewPartitions_t* np = rd_kafka_NewPartitions_new(name.c_str(), count, errstr, sizeof(errstr));
        if (np) news.push_back(np);
      }
      rd_kafka_CreatePartitions(rk, news.data(), news.size(), options, queue);
      rd_kafka_NewPartitions_destroy_array(news.data(), news.size());
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_topic_result_t** results =
          rd_kafka_CreatePartitions_result_topics(rd_kafka_event_CreatePartitions_result(event), &n);
      return TopicResults(results, n);
    });
  work->Queue();
  return work->Promise();
}

// describeTopicConfigs([name], timeoutMs) → [{ name, error, entries: [{ name, value, source, isDefault, isReadOnly, isSensitive }] }]
Napi::Value Admin::DescribeTopicConfigs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array names = ArrayArg(info, 0, "topics");
  auto topics = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < names.Length(); i++) topics->push_back(names.Get(i).ToString().Utf8Value());
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, TimeoutArg(info, 1),
    [topics](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<rd_kafka_ConfigResource_t*> resources;
      for (const auto& t : *topics) resources.push_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, t.c_str()));
      rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), options, queue);
      rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_ConfigResource_t** resources =
          rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &n);
      return ConfigResources(resources, n, true);
    });
  work->Queue();
  return work->Promise();
}

// incrementalAlterTopicConfigs([{ name, ops: [{ name, op: 'SET'|'DELETE', value? }] }], timeoutMs) → [{ name, error }]
Napi::Value Admin::IncrementalAlterTopicConfigs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array topics = ArrayArg(info, 0, "topics");
  struct Op { std::string name; rd_kafka_AlterConfigOpType_t type; std::string value; };
  auto specs = std::make_shared<std::vector<std::pair<std::string, std::vector<Op>>>>();
  for (uint32_t i = 0; i < topics.Length(); i++) {
    Napi::Object t = topics.Get(i).As<Napi::Object>();
    std::vector<Op> ops;
    Napi::Array list = t.Get("ops").As<Napi::Array>();
    for (uint32_t j = 0; j < list.Length(); j++) {
      Napi::Object op = list.Get(j).As<Napi::Object>();
      std::string kind = StringField(op, "op");
      if (kind != "SET" && kind != "DELETE") throw Napi::TypeError::New(env, "op must be SET or DELETE");
      ops.push_back({StringField(op, "name"), kind == "SET" ? RD_KAFKA_ALTER_CONFIG_OP_TYPE_SET : RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE,
                     op.Get("value").IsString() ? op.Get("value").As<Napi::String>().Utf8Value() : ""});
    }
    specs->emplace_back(StringField(t, "name"), std::move(ops));
  }
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_INCREMENTALALTERCONFIGS, TimeoutArg(info, 1),
    [specs](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<rd_kafka_ConfigResource_t*> resources;
      for (const auto& [name, ops] : *specs) {
        rd_kafka_ConfigResource_t* r = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str());
        for (const auto& op : ops) {
          rd_kafka_error_t* e = rd_kafka_ConfigResource_add_incremental_config(
              r, op.name.c_str(), op.type, op.type == RD_KAFKA_ALTER_CONFIG_OP_TYPE_DELETE ? nullptr : op.value.c_str());
          if (e) rd_kafka_error_destroy(e);
        }
        resources.push_back(r);
      }
      rd_kafka_IncrementalAlterConfigs(rk, resources.data(), resources.size(), options, queue);
      rd_kafka_ConfigResource_destroy_array(resources.data(), resources.size());
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_ConfigResource_t** resources =
          rd_kafka_IncrementalAlterConfigs_result_resources(rd_kafka_event_IncrementalAlterConfigs_result(event), &n);
      return ConfigResources(resources, n, false);
    });
  work->Queue();
  return work->Promise();
}

// listOffsets([{ topic, partition, spec: 'earliest'|'latest'|timestampMs }], timeoutMs) → [{ topic, partition, offset, error }]
Napi::Value Admin::ListOffsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array array = ArrayArg(info, 0, "partitions");
  rd_kafka_topic_partition_list_t* raw = rd_kafka_topic_partition_list_new(static_cast<int>(array.Length()));
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Object o = array.Get(i).As<Napi::Object>();
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(raw, StringField(o, "topic").c_str(),
                                                                      static_cast<int32_t>(NumberField(o, "partition")));
    Napi::Value spec = o.Get("spec");
    if (spec.IsNumber()) p->offset = spec.As<Napi::Number>().Int64Value();
    else if (spec.IsString() && spec.As<Napi::String>().Utf8Value() == "earliest") p->offset = RD_KAFKA_OFFSET_SPEC_EARLIEST;
    else p->offset = RD_KAFKA_OFFSET_SPEC_LATEST;
  }
  ListPtr list = Shared(raw);
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_LISTOFFSETS, TimeoutArg(info, 1),
    [list](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      rd_kafka_ListOffsets(rk, list.get(), options, queue);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_ListOffsetsResultInfo_t** infos = rd_kafka_ListOffsets_result_infos(rd_kafka_event_ListOffsets_result(event), &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) {
        const rd_kafka_topic_partition_t* p = rd_kafka_ListOffsetsResultInfo_topic_partition(infos[i]);
        out.Push(Json::Obj().Set("topic", Json::Str(p->topic)).Set("partition", Json::Num(p->partition))
                     .Set("offset", Json::Num(static_cast<double>(p->offset)))
                     .Set("timestamp", Json::Num(static_cast<double>(rd_kafka_ListOffsetsResultInfo_timestamp(infos[i]))))
                     .Set("error", ErrorJson(p->err)));
      }
      return out;
    });
  work->Queue();
  return work->Promise();
}

// deleteRecords([{ topic, partition, offset }], timeoutMs) → [{ topic, partition, offset (new low watermark), error }]
Napi::Value Admin::DeleteRecords(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  ListPtr list = Shared(PartitionListArg(ArrayArg(info, 0, "partitions"), true));
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_DELETERECORDS, TimeoutArg(info, 1),
    [list](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      rd_kafka_DeleteRecords_t* del = rd_kafka_DeleteRecords_new(list.get());
      rd_kafka_DeleteRecords(rk, &del, 1, options, queue);
      rd_kafka_DeleteRecords_destroy(del);
    },
    [](rd_kafka_event_t* event) {
      return PartitionsJson(rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event)));
    });
  work->Queue();
  return work->Promise();
}

namespace {

// ACL enums by the names librdkafka gives them ("TOPIC", "LITERAL", "READ", "ALLOW"), both ways.
template <typename E>
bool EnumByName(const std::string& name, int count, const char* (*nameOf)(E), E* out) {
  for (int i = 0; i < count; i++) {
    if (name == nameOf(static_cast<E>(i))) {
      *out = static_cast<E>(i);
      return true;
    }
  }
  return false;
}

struct AclSpec {
  std::string resourceType = "ANY", name, patternType = "ANY", principal, host, operation = "ANY", permission = "ANY";
  bool hasName = false, hasPrincipal = false, hasHost = false;
};

AclSpec ReadAclSpec(const Napi::Object& o) {
  AclSpec spec;
  auto text = [&](const char* key, std::string& into, bool* has) {
    if (o.Get(key).IsString()) {
      into = o.Get(key).ToString().Utf8Value();
      if (has) *has = true;
    }
  };
  text("resourceType", spec.resourceType, nullptr);
  text("name", spec.name, &spec.hasName);
  text("patternType", spec.patternType, nullptr);
  text("principal", spec.principal, &spec.hasPrincipal);
  text("host", spec.host, &spec.hasHost);
  text("operation", spec.operation, nullptr);
  text("permission", spec.permission, nullptr);
  return spec;
}

// The enums of a spec; false with `error` naming the field when a name is unknown.
bool AclEnums(const AclSpec& s, rd_kafka_ResourceType_t* rt, rd_kafka_ResourcePatternType_t* pt, rd_kafka_AclOperation_t* op,
              rd_kafka_AclPermissionType_t* perm, std::string& error) {
  if (!EnumByName(s.resourceType, RD_KAFKA_RESOURCE__CNT, rd_kafka_ResourceType_name, rt)) error = "unknown resourceType " + s.resourceType;
  else if (!EnumByName(s.patternType, RD_KAFKA_RESOURCE_PATTERN_TYPE__CNT, rd_kafka_ResourcePatternType_name, pt)) error = "unknown patternType " + s.patternType;
  else if (!EnumByName(s.operation, RD_KAFKA_ACL_OPERATION__CNT, rd_kafka_AclOperation_name, op)) error = "unknown operation " + s.operation;
  else if (!EnumByName(s.permission, RD_KAFKA_ACL_PERMISSION_TYPE__CNT, rd_kafka_AclPermissionType_name, perm)) error = "unknown permission " + s.permission;
  return error.empty();
}

Json AclJson(const rd_kafka_AclBinding_t* acl) {
  return Json::Obj().Set("resourceType", Json::Str(rd_kafka_ResourceType_name(rd_kafka_AclBinding_restype(acl))))
      .Set("name", Json::Str(rd_kafka_AclBinding_name(acl)))
      .Set("patternType", Json::Str(rd_kafka_ResourcePatternType_name(rd_kafka_AclBinding_resource_pattern_type(acl))))
      .Set("principal", Json::Str(rd_kafka_AclBinding_principal(acl)))
      .Set("host", Json::Str(rd_kafka_AclBinding_host(acl)))
      .Set("operation", Json::Str(rd_kafka_AclOperation_name(rd_kafka_AclBinding_operation(acl))))
      .Set("permission", Json::Str(rd_kafka_AclPermissionType_name(rd_kafka_AclBinding_permission_type(acl))));
}

}  // namespace

// describeAcls({ resourceType, name?, patternType, principal?, host?, operation, permission }, timeoutMs) → [AclBinding]
// A cluster without an authorizer rejects the request (SECURITY_DISABLED).
Napi::Value Admin::DescribeAcls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "describeAcls needs a filter object");
  AclSpec spec = ReadAclSpec(info[0].As<Napi::Object>());
  rd_kafka_ResourceType_t rt;
  rd_kafka_ResourcePatternType_t pt;
  rd_kafka_AclOperation_t op;
  rd_kafka_AclPermissionType_t perm;
  std::string error;
  if (!AclEnums(spec, &rt, &pt, &op, &perm, error)) throw Napi::TypeError::New(env, error);
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_DESCRIBEACLS, TimeoutArg(info, 1),
    [spec, rt, pt, op, perm](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      char errstr[256];
      rd_kafka_AclBindingFilter_t* filter = rd_kafka_AclBindingFilter_new(rt, spec.hasName ? spec.name.c_str() : nullptr, pt,
          spec.hasPrincipal ? spec.principal.c_str() : nullptr, spec.hasHost ? spec.host.c_str() : nullptr, op, perm, errstr, sizeof(errstr));
      rd_kafka_DescribeAcls(rk, filter, options, queue);
      rd_kafka_AclBinding_destroy(filter);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_AclBinding_t** acls = rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(event), &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) out.Push(AclJson(acls[i]));
      return out;
    });
  work->Queue();
  return work->Promise();
}

// createAcls([AclBinding], timeoutMs) → [{ error }] in the order given (creating an existing ACL is not an error).
Napi::Value Admin::CreateAcls(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array array = ArrayArg(info, 0, "acls");
  auto specs = std::make_shared<std::vector<AclSpec>>();
  for (uint32_t i = 0; i < array.Length(); i++) {
    AclSpec spec = ReadAclSpec(array.Get(i).As<Napi::Object>());
    rd_kafka_ResourceType_t rt;
    rd_kafka_ResourcePatternType_t pt;
    rd_kafka_AclOperation_t op;
    rd_kafka_AclPermissionType_t perm;
    std::string error;
    if (!AclEnums(spec, &rt, &pt, &op, &perm, error)) throw Napi::TypeError::New(env, "acls[" + std::to_string(i) + "]: " + error);
    specs->push_back(spec);
  }
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_CREATEACLS, TimeoutArg(info, 1),
    [specs](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<rd_kafka_AclBinding_t*> bindings;
      char errstr[256];
      for (const auto& s : *specs) {
        rd_kafka_ResourceType_t rt;
        rd_kafka_ResourcePatternType_t pt;
        rd_kafka_AclOperation_t op;
        rd_kafka_AclPermissionType_t perm;
        std::string error;
        AclEnums(s, &rt, &pt, &op, &perm, error);
        bindings.push_back(rd_kafka_AclBinding_new(rt, s.name.c_str(), pt, s.principal.c_str(), s.host.empty() ? "*" : s.host.c_str(), op, perm,
                                                   errstr, sizeof(errstr)));
      }
      rd_kafka_CreateAcls(rk, bindings.data(), bindings.size(), options, queue);
      rd_kafka_AclBinding_destroy_array(bindings.data(), bindings.size());
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_acl_result_t** results = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(event), &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) out.Push(Json::Obj().Set("error", ErrorJson(rd_kafka_acl_result_error(results[i]))));
      return out;
    });
  work->Queue();
  return work->Promise();
}

// describeTopics([name], timeoutMs) → [{ name, topicId (base64, null when unknown), partitions, error }]
Napi::Value Admin::DescribeTopics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array array = ArrayArg(info, 0, "topics");
  auto names = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < array.Length(); i++) names->push_back(array.Get(i).ToString().Utf8Value());
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_DESCRIBETOPICS, TimeoutArg(info, 1),
    [names](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<const char*> list;
      for (const auto& name : *names) list.push_back(name.c_str());
      rd_kafka_TopicCollection_t* topics = rd_kafka_TopicCollection_of_topic_names(list.data(), list.size());
      rd_kafka_DescribeTopics(rk, topics, options, queue);
      rd_kafka_TopicCollection_destroy(topics);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_TopicDescription_t** topics =
          rd_kafka_DescribeTopics_result_topics(rd_kafka_event_DescribeTopics_result(event), &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) {
        const rd_kafka_Uuid_t* id = rd_kafka_TopicDescription_topic_id(topics[i]);
        const char* base64 = id ? rd_kafka_Uuid_base64str(id) : nullptr;
        size_t partitions = 0;
        rd_kafka_TopicDescription_partitions(topics[i], &partitions);
        out.Push(Json::Obj().Set("name", Json::Str(rd_kafka_TopicDescription_name(topics[i])))
                     .Set("topicId", base64 && *base64 && std::string(base64) != "AAAAAAAAAAAAAAAAAAAAAA" ? Json::Str(base64) : Json())
                     .Set("partitions", Json::Num(static_cast<double>(partitions)))
                     .Set("error", ErrorJson(rd_kafka_TopicDescription_error(topics[i]))));
      }
      return out;
    });
  work->Queue();
  return work->Promise();
}

// listConsumerGroups(timeoutMs) → [{ groupId, state, isSimple }]
Napi::Value Admin::ListConsumerGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, TimeoutArg(info, 0),
    [](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      rd_kafka_ListConsumerGroups(rk, options, queue);
    },
    [](rd_kafka_event_t* event) {
      const rd_kafka_ListConsumerGroups_result_t* result = rd_kafka_event_ListConsumerGroups_result(event);
      size_t n = 0;
      const rd_kafka_ConsumerGroupListing_t** groups = rd_kafka_ListConsumerGroups_result_valid(result, &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) {
        out.Push(Json::Obj().Set("groupId", Json::Str(rd_kafka_ConsumerGroupListing_group_id(groups[i])))
                     .Set("state", Json::Str(GroupStateName(rd_kafka_ConsumerGroupListing_state(groups[i]))))
                     .Set("isSimple", Json::Bool(rd_kafka_ConsumerGroupListing_is_simple_consumer_group(groups[i]))));
      }
      return out;
    });
  work->Queue();
  return work->Promise();
}

// describeConsumerGroups([groupId], timeoutMs) → [{ groupId, state, members, memberClients, error }]
Napi::Value Admin::DescribeConsumerGroups(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  Napi::Array array = ArrayArg(info, 0, "groups");
  auto ids = std::make_shared<std::vector<std::string>>();
  for (uint32_t i = 0; i < array.Length(); i++) ids->push_back(array.Get(i).ToString().Utf8Value());
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, TimeoutArg(info, 1),
    [ids](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      std::vector<const char*> names;
      for (const auto& id : *ids) names.push_back(id.c_str());
      rd_kafka_DescribeConsumerGroups(rk, names.data(), names.size(), options, queue);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_ConsumerGroupDescription_t** groups =
          rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(event), &n);
      Json out = Json::Arr();
      for (size_t i = 0; i < n; i++) {
        size_t members = rd_kafka_ConsumerGroupDescription_member_count(groups[i]);
        Json clients = Json::Arr();
        for (size_t m = 0; m < members; m++) {
          const char* id = rd_kafka_MemberDescription_client_id(rd_kafka_ConsumerGroupDescription_member(groups[i], m));
          clients.Push(Json::Str(id ? id : ""));
        }
        out.Push(Json::Obj().Set("groupId", Json::Str(rd_kafka_ConsumerGroupDescription_group_id(groups[i])))
                     .Set("state", Json::Str(GroupStateName(rd_kafka_ConsumerGroupDescription_state(groups[i]))))
                     .Set("members", Json::Num(static_cast<double>(members)))
                     .Set("memberClients", std::move(clients))
                     .Set("error", ErrorJson(rd_kafka_ConsumerGroupDescription_error(groups[i]))));
      }
      return out;
    });
  work->Queue();
  return work->Promise();
}

// listConsumerGroupOffsets(groupId, [{ topic, partition }] | null, timeoutMs) → [{ topic, partition, offset, metadata?, error }]
Napi::Value Admin::ListConsumerGroupOffsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  std::string group = info[0].ToString().Utf8Value();
  ListPtr list = info[1].IsArray() ? Shared(PartitionListArg(info[1].As<Napi::Array>(), false)) : nullptr;
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, TimeoutArg(info, 2),
    [group, list](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      rd_kafka_ListConsumerGroupOffsets_t* req = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), list.get());
      rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, options, queue);
      rd_kafka_ListConsumerGroupOffsets_destroy(req);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      // Two statements: `n` is only set once the first call has run.
      const rd_kafka_group_result_t** groups =
          rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(event), &n);
      return GroupOffsetsJson(groups, n);
    });
  work->Queue();
  return work->Promise();
}

// alterConsumerGroupOffsets(groupId, [{ topic, partition, offset }], timeoutMs) → [{ topic, partition, offset, error }]
Napi::Value Admin::AlterConsumerGroupOffsets(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  REQUIRE_OPEN(env);
  std::string group = info[0].ToString().Utf8Value();
  ListPtr list = Shared(PartitionListArg(ArrayArg(info, 1, "offsets"), true));
  auto* work = new AdminWork(env, rk_, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, TimeoutArg(info, 2),
    [group, list](rd_kafka_t* rk, rd_kafka_AdminOptions_t* options, rd_kafka_queue_t* queue) {
      rd_kafka_AlterConsumerGroupOffsets_t* req = rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get());
      rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, options, queue);
      rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    },
    [](rd_kafka_event_t* event) {
      size_t n = 0;
      const rd_kafka_group_result_t** groups =
          rd_kafka_AlterConsumerGroupOffsets_result_groups(rd_kafka_event_AlterConsumerGroupOffsets_result(event), &n);
      return GroupOffsetsJson(groups, n);
    });
  work->Queue();
  return work->Promise();
}

}  // namespace kmirror
