// One source partition's replication state: one enum and named transitions. Pure logic: what it
// needs of librdkafka (pause the fetcher, fetch again from an offset) and of the shard (events)
// goes through PartitionDriver, so the same code runs in the shard and under test
// (native/src/shard/testing.cc drives it from test/unit/native/).
//
// The invariants it keeps (ARCHITECTURE.md, "The partition state machine"):
//  1. `position` only moves past acknowledged records, in order: every record below it is on the
//     target, and it never passes a refused record;
//  2. nothing after a FAILED record is handed to the producer (and a record after it that reaches
//     the target anyway is counted as writtenPastFailure and reported);
//  3. after any rewind (a seek back, a pause, a revocation), records dequeued before it are
//     dropped, never handed over: Admit() refuses records of an older dequeue;
//  4. records are handed over in source order: a record below `produced` is never handed again
//     without a rewind to it.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "events.h"

namespace kmirror {

enum class PartitionState {
  Unassigned,      // not this shard's (never assigned, or revoked)
  Running,         // copying
  Draining,        // a batch was refused: waiting for what is in flight before isolating the culprit
  Isolating,       // resending one record at a time up to the end of the refused batch(es)
  Waiting,         // the target cannot take it yet (remote partition missing, position unreadable)
  OperatorPaused,  // stopped by an operator until resumed
  Failed,          // a record was refused; stopped at it until an operator resumes
};

// The names JavaScript sees (src/native/addon.ts PartitionStatus).
const char* PartitionStateName(PartitionState state);

enum class WaitReason { None, RemoteMissing, PositionUnknown, NotAuthorized };

class PartitionRuntime;

// What a partition asks of its surroundings.
class PartitionDriver {
 public:
  virtual ~PartitionDriver() = default;
  // Stop fetching the partition (records already dequeued are dropped by Admit()).
  virtual void PauseFetch(const PartitionRuntime& p) = 0;
  // Fetch again from `offset` (a seek), and resume fetching.
  virtual void FetchFrom(const PartitionRuntime& p, int64_t offset) = 0;
  virtual void Emit(const PartitionRuntime& p, EventKind kind, int level, int64_t offset, const std::string& message) = 0;
  // The number of the newest dequeue of fetched records: a rewind makes every record of this
  // dequeue and older ones stale.
  virtual uint64_t DequeueSeq() const = 0;
};

class PartitionRuntime {
 public:
  static constexpr int64_t kNone = -1;

  PartitionRuntime(std::string topic, int32_t partition) : topic_(std::move(topic)), partition_(partition) {}

  const std::string& topic() const { return topic_; }
  int32_t partition() const { return partition_; }
  PartitionState state() const { return state_; }
  WaitReason waitReason() const { return waitReason_; }
  // Next source offset to resume from: every record below it is acknowledged by the target.
  int64_t position() const { return position_; }
  // Source offset right after the newest record handed to the producer.
  int64_t produced() const { return produced_; }
  int64_t failedAt() const { return failedAt_; }
  int64_t inFlight() const { return inFlight_; }
  // Why the partition is not RUNNING; empty when it is.
  const std::string& reason() const { return reason_; }
  // Acknowledged records at or after a refused one: must stay 0 (see invariant 2).
  uint64_t writtenPastFailure() const { return writtenPastFailure_; }
  // Whether the fetcher should be fetching this partition.
  bool Fetching() const;

  // --- the group ---
  // Assigned with a known start (a stored position, or auto.offset.reset resolved). The fetcher
  // is assigned at `start` by the caller.
  void Assign(PartitionDriver& d, int64_t start);
  // Assigned, but the stored position cannot be read yet: nothing is copied from a guess.
  void AssignWithoutPosition(PartitionDriver& d, const std::string& reason);
  // The stored position of a partition assigned without one could be read.
  void PositionKnown(PartitionDriver& d, int64_t start);
  void Revoke(PartitionDriver& d);

  // --- records, in source order ---
  // Whether a record dequeued in dequeue number `dequeuedAt` may be handed to the producer now.
  bool Admit(int64_t offset, uint64_t dequeuedAt) const;
  // The producer took it.
  void HandedOver(PartitionDriver& d, int64_t offset);
  // The producer refused it at once: the remote partition is unknown (metadata not there yet).
  void RemoteMissing(PartitionDriver& d, int64_t offset, const std::string& reason);
  // The source refuses to let us read it (no READ ACL): WAITING with the reason, tried again later.
  void NotAuthorized(PartitionDriver& d, const std::string& reason);
  // A wait for the remote partition or for an authorization may be over: copying is tried again
  // (if the cause is still there, the next record says so again).
  void TryAgain(PartitionDriver& d);
  // Delivery reports, in order. Acknowledged() returns false for a record that must not count
  // (one after a refused record, see invariant 2).
  bool Acknowledged(PartitionDriver& d, int64_t offset);
  // The target refused it for good. `isolate`: the refusal may be the batch's, not the record's
  // (too large, invalid record): the batch's records are resent one at a time to find the one.
  void Refused(PartitionDriver& d, int64_t offset, bool isolate, const std::string& reason);
  // Not written (purged when the producer was replaced or closed): only leaves the flight.
  void Undelivered(int64_t offset);
  // The producer was replaced: whatever was in flight is gone; copy again from the position.
  void ProducerReset(PartitionDriver& d);
  // A record this partition must not copy (e.g. larger than the remote topic takes).
  void Fail(PartitionDriver& d, int64_t offset, const std::string& reason);

  // --- operators ---
  bool OperatorPause(PartitionDriver& d);
  bool OperatorResume(PartitionDriver& d);

  // --- the source moved under us ---
  // Records below `offset` are gone from the source (counted by the caller): resume there.
  void SkipTo(int64_t offset);
  // Nothing in flight, nothing dequeued and waiting for room in the producer's queue, and the
  // consumer's own position is past offsets that hold no record (transaction markers): the
  // position follows it. False when not applicable.
  bool AdvanceTo(int64_t offset);

  // A dequeued record of this partition waits for room in the producer's queue, / no longer waits.
  void Parked() { parked_++; }
  void Unparked() { parked_--; }

 private:
  void Rewind(PartitionDriver& d, int64_t offset);
  void Stop(PartitionDriver& d);
  void Enter(PartitionState state, std::string reason);

  std::string topic_;
  int32_t partition_;
  PartitionState state_ = PartitionState::Unassigned;
  WaitReason waitReason_ = WaitReason::None;
  int64_t position_ = kNone;
  int64_t produced_ = kNone;
  int64_t failedAt_ = kNone;
  // Draining/Isolating: the first refused offset not yet resent, and the last offset of the
  // refused batch(es): up to it records go one at a time.
  int64_t holdAt_ = kNone;
  int64_t isolateUntil_ = kNone;
  int64_t inFlight_ = 0;
  int64_t parked_ = 0;      // dequeued records waiting for room in the producer's queue
  // The producer has this partition's sequence on the broker: until a first record is
  // acknowledged in this lifetime (assignment, producer), records go one at a time. A broker takes
  // any first sequence from a producer it knows nothing of for a partition, so a batch behind a
  // refused first batch would be written; after one acknowledged record it cannot (invariant 3).
  bool primed_ = false;
  uint64_t rewoundAt_ = 0;  // DequeueSeq() at the newest rewind
  uint64_t writtenPastFailure_ = 0;
  std::string reason_;
};

// MM2's offset-sync rule, made exact: a sync (upstream, downstream) is taken for the first
// acknowledged record of a partition's lifetime, whenever the mapping is not the previous one
// shifted by one on both sides (so translation between syncs is exact), and when MM2 would
// (offset.lag.max downstream offsets since the last sync). Tail() gives the newest acknowledged
// pair when it is not a sync yet (written at every position flush).
class OffsetSyncRule {
 public:
  explicit OffsetSyncRule(int64_t lagMax = 100) : lagMax_(lagMax) {}
  // A record was acknowledged: true when (upstream, downstream) is to be a sync (and is taken).
  bool OnAcknowledged(int64_t upstream, int64_t downstream);
  // The newest acknowledged pair if it is not a sync yet; takes it. False when there is none.
  bool TakeTail(int64_t* upstream, int64_t* downstream);
  // A new lifetime of the partition (assigned again): the next record is a sync.
  void Reset();
  void set_lag_max(int64_t lagMax) { lagMax_ = lagMax; }

 private:
  int64_t lagMax_;
  int64_t prevUpstream_ = -1;
  int64_t prevDownstream_ = -1;
  int64_t syncUpstream_ = -1;
  int64_t syncDownstream_ = -1;
};

}  // namespace kmirror
