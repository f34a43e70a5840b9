// Test-only exports (addon.testing): the shard's own rules, driven directly from JavaScript so the
// tests check the C++ that runs, not a TypeScript copy of it. Nothing here is used by kmirror.
#include "testing.h"

#include <vector>

#include "events.h"
#include "offset-sync-writer.h"
#include "partition.h"

namespace kmirror {

namespace {

const char* ExactStateName(PartitionState state) {
  switch (state) {
    case PartitionState::Unassigned: return "Unassigned";
    case PartitionState::Running: return "Running";
    case PartitionState::Draining: return "Draining";
    case PartitionState::Isolating: return "Isolating";
    case PartitionState::Waiting: return "Waiting";
    case PartitionState::OperatorPaused: return "OperatorPaused";
    case PartitionState::Failed: return "Failed";
  }
  return "?";
}

// A PartitionRuntime with a driver that records what it is asked to do.
class PartitionProbe : public Napi::ObjectWrap<PartitionProbe>, public PartitionDriver {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PartitionProbe", {
      InstanceMethod<&PartitionProbe::Call>("call"),
      InstanceMethod<&PartitionProbe::Snapshot>("snapshot"),
      InstanceMethod<&PartitionProbe::Dequeue>("dequeue"),
      InstanceMethod<&PartitionProbe::DrainActions>("drainActions"),
    });
  }

  explicit PartitionProbe(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<PartitionProbe>(info), rt_(info[0].ToString().Utf8Value(), info[1].As<Napi::Number>().Int32Value()) {}

  void PauseFetch(const PartitionRuntime&) override { actions_.push_back({"pause", -1, ""}); }
  void FetchFrom(const PartitionRuntime&, int64_t offset) override { actions_.push_back({"fetch", offset, ""}); }
  void Emit(const PartitionRuntime&, EventKind kind, int, int64_t offset, const std::string& message) override {
    actions_.push_back({EventKindName(kind), offset, message});
  }
  uint64_t DequeueSeq() const override { return seq_; }

 private:
  struct Action {
    std::string type;
    int64_t offset;
    std::string message;
  };

  // call(name, ...args) → the transition's result (boolean or undefined).
  Napi::Value Call(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string name = info[0].ToString().Utf8Value();
    auto num = [&](size_t i) { return static_cast<int64_t>(info[i].As<Napi::Number>().Int64Value()); };
    auto str = [&](size_t i) { return info.Length() > i && info[i].IsString() ? info[i].ToString().Utf8Value() : std::string("reason"); };
    if (name == "assign") rt_.Assign(*this, num(1));
    else if (name == "assignWithoutPosition") rt_.AssignWithoutPosition(*this, str(1));
    else if (name == "positionKnown") rt_.PositionKnown(*this, num(1));
    else if (name == "revoke") rt_.Revoke(*this);
    else if (name == "admit") return Napi::Boolean::New(env, rt_.Admit(num(1), static_cast<uint64_t>(num(2))));
    else if (name == "handedOver") rt_.HandedOver(*this, num(1));
    else if (name == "remoteMissing") rt_.RemoteMissing(*this, num(1), str(2));
    else if (name == "tryAgain") rt_.TryAgain(*this);
    else if (name == "notAuthorized") rt_.NotAuthorized(*this, str(1));
    else if (name == "acknowledged") return Napi::Boolean::New(env, rt_.Acknowledged(*this, num(1)));
    else if (name == "refused") rt_.Refused(*this, num(1), info[2].ToBoolean().Value(), str(3));
    else if (name == "undelivered") rt_.Undelivered(num(1));
    else if (name == "producerReset") rt_.ProducerReset(*this);
    else if (name == "fail") rt_.Fail(*this, num(1), str(2));
    else if (name == "operatorPause") return Napi::Boolean::New(env, rt_.OperatorPause(*this));
    else if (name == "operatorResume") return Napi::Boolean::New(env, rt_.OperatorResume(*this));
    else if (name == "skipTo") rt_.SkipTo(num(1));
    else if (name == "advanceTo") return Napi::Boolean::New(env, rt_.AdvanceTo(num(1)));
    else if (name == "parked") rt_.Parked();
    else if (name == "unparked") rt_.Unparked();
    else throw Napi::Error::New(env, "no transition " + name);
    return env.Undefined();
  }

  Napi::Value Snapshot(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("state", ExactStateName(rt_.state()));
    o.Set("status", PartitionStateName(rt_.state()));
    o.Set("position", static_cast<double>(rt_.position()));
    o.Set("produced", static_cast<double>(rt_.produced()));
    o.Set("failedAt", static_cast<double>(rt_.failedAt()));
    o.Set("inFlight", static_cast<double>(rt_.inFlight()));
    o.Set("reason", rt_.reason());
    o.Set("writtenPastFailure", static_cast<double>(rt_.writtenPastFailure()));
    o.Set("fetching", rt_.Fetching());
    return o;
  }

  // dequeue() → a new dequeue number (what the shard takes before each batch it fetches).
  Napi::Value Dequeue(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(++seq_)); }

  Napi::Value DrainActions(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Array out = Napi::Array::New(env, actions_.size());
    for (size_t i = 0; i < actions_.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", actions_[i].type);
      if (actions_[i].offset >= 0) o.Set("offset", static_cast<double>(actions_[i].offset));
      if (!actions_[i].message.empty()) o.Set("message", actions_[i].message);
      out.Set(static_cast<uint32_t>(i), o);
    }
    actions_.clear();
    return out;
  }

  PartitionRuntime rt_;
  uint64_t seq_ = 0;
  std::vector<Action> actions_;
};

class SyncRuleProbe : public Napi::ObjectWrap<SyncRuleProbe> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "OffsetSyncRule", {
      InstanceMethod<&SyncRuleProbe::OnAcknowledged>("onAcknowledged"),
      InstanceMethod<&SyncRuleProbe::TakeTail>("takeTail"),
      InstanceMethod<&SyncRuleProbe::Reset>("reset"),
    });
  }
  explicit SyncRuleProbe(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SyncRuleProbe>(info), rule_(info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 100) {}

 private:
  Napi::Value OnAcknowledged(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), rule_.OnAcknowledged(info[0].As<Napi::Number>().Int64Value(), info[1].As<Napi::Number>().Int64Value()));
  }
  Napi::Value TakeTail(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int64_t u, d;
    if (!rule_.TakeTail(&u, &d)) return env.Null();
    Napi::Array out = Napi::Array::New(env, 2);
    out.Set(0u, static_cast<double>(u));
    out.Set(1u, static_cast<double>(d));
    return out;
  }
  Napi::Value Reset(const Napi::CallbackInfo& info) {
    rule_.Reset();
    return info.Env().Undefined();
  }
  OffsetSyncRule rule_;
};

// encodeOffsetSync(topic, partition, upstream, downstream) → { key, value }: the bytes the shard writes.
Napi::Value EncodeOffsetSync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string key = OffsetSyncWriter::EncodeKey(info[0].ToString().Utf8Value(), info[1].As<Napi::Number>().Int32Value());
  char value[16];
  OffsetSyncWriter::EncodeValue(info[2].As<Napi::Number>().Int64Value(), info[3].As<Napi::Number>().Int64Value(), value);
  Napi::Object o = Napi::Object::New(env);
  o.Set("key", Napi::Buffer<char>::Copy(env, key.data(), key.size()));
  o.Set("value", Napi::Buffer<char>::Copy(env, value, sizeof(value)));
  return o;
}

Napi::Value ShardEventKinds(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, kEventKinds);
  for (size_t i = 0; i < kEventKinds; i++) out.Set(static_cast<uint32_t>(i), kEventKindNames[i]);
  return out;
}

}  // namespace

Napi::Object TestingExports(Napi::Env env) {
  Napi::Object testing = Napi::Object::New(env);
  testing.Set("PartitionProbe", PartitionProbe::Define(env));
  testing.Set("OffsetSyncRule", SyncRuleProbe::Define(env));
  testing.Set("encodeOffsetSync", Napi::Function::New(env, EncodeOffsetSync, "encodeOffsetSync"));
  testing.Set("shardEventKinds", Napi::Function::New(env, ShardEventKinds, "shardEventKinds"));
  return testing;
}

}  // namespace kmirror
