#include "partition.h"

#include <algorithm>

namespace kmirror {

const char* PartitionStateName(PartitionState state) {
  switch (state) {
    case PartitionState::Unassigned: return "REVOKED";
    case PartitionState::Running: return "RUNNING";
    case PartitionState::Draining:
    case PartitionState::Isolating: return "ISOLATING";
    case PartitionState::Waiting: return "WAITING";
    case PartitionState::OperatorPaused: return "PAUSED";
    case PartitionState::Failed: return "FAILED";
  }
  return "UNKNOWN";
}

bool PartitionRuntime::Fetching() const {
  return (state_ == PartitionState::Running && (primed_ || inFlight_ == 0)) || (state_ == PartitionState::Isolating && inFlight_ == 0);
}

void PartitionRuntime::Enter(PartitionState state, std::string reason) {
  state_ = state;
  reason_ = std::move(reason);
  waitReason_ = WaitReason::None;
  if (state != PartitionState::Draining && state != PartitionState::Isolating) holdAt_ = isolateUntil_ = kNone;
  if (state != PartitionState::Failed) failedAt_ = kNone;
}

void PartitionRuntime::Rewind(PartitionDriver& d, int64_t offset) {
  produced_ = offset;
  rewoundAt_ = d.DequeueSeq();
  d.FetchFrom(*this, offset);
}

void PartitionRuntime::Stop(PartitionDriver& d) {
  rewoundAt_ = d.DequeueSeq();
  d.PauseFetch(*this);
}

void PartitionRuntime::Assign(PartitionDriver& d, int64_t start) {
  Enter(PartitionState::Running, "");
  primed_ = false;
  position_ = produced_ = start;
  rewoundAt_ = d.DequeueSeq();
}

void PartitionRuntime::AssignWithoutPosition(PartitionDriver& d, const std::string& reason) {
  Enter(PartitionState::Waiting, reason);
  waitReason_ = WaitReason::PositionUnknown;
  position_ = produced_ = kNone;
  Stop(d);
  d.Emit(*this, EventKind::PartitionWaiting, 4, kNone, reason);
}

void PartitionRuntime::PositionKnown(PartitionDriver& d, int64_t start) {
  if (state_ != PartitionState::Waiting || waitReason_ != WaitReason::PositionUnknown) return;
  Enter(PartitionState::Running, "");
  primed_ = false;
  position_ = start;
  Rewind(d, start);
  d.Emit(*this, EventKind::PartitionResumed, 5, start, "replication position read: copying");
}

void PartitionRuntime::Revoke(PartitionDriver& d) {
  Enter(PartitionState::Unassigned, "");
  rewoundAt_ = d.DequeueSeq();
}

bool PartitionRuntime::Admit(int64_t offset, uint64_t dequeuedAt) const {
  if (dequeuedAt <= rewoundAt_ || offset < produced_) return false;
  return (state_ == PartitionState::Running && (primed_ || inFlight_ == 0)) || (state_ == PartitionState::Isolating && inFlight_ == 0);
}

void PartitionRuntime::HandedOver(PartitionDriver& d, int64_t offset) {
  inFlight_++;
  produced_ = offset + 1;
  // One record at a time: the next is fetched again once this one is settled.
  if (state_ == PartitionState::Isolating || (state_ == PartitionState::Running && !primed_)) Stop(d);
}

void PartitionRuntime::RemoteMissing(PartitionDriver& d, int64_t offset, const std::string& reason) {
  if (state_ != PartitionState::Running && state_ != PartitionState::Isolating) return;
  Enter(PartitionState::Waiting, reason);
  waitReason_ = WaitReason::RemoteMissing;
  produced_ = offset;  // the next record to copy once the remote partition exists
  Stop(d);
  d.Emit(*this, EventKind::PartitionWaiting, 4, offset, reason);
}

void PartitionRuntime::NotAuthorized(PartitionDriver& d, const std::string& reason) {
  if (state_ != PartitionState::Running && state_ != PartitionState::Isolating) return;
  Enter(PartitionState::Waiting, reason);
  waitReason_ = WaitReason::NotAuthorized;
  Stop(d);
  d.Emit(*this, EventKind::PartitionWaiting, 3, produced_, reason);
}

void PartitionRuntime::TryAgain(PartitionDriver& d) {
  if (state_ != PartitionState::Waiting || (waitReason_ != WaitReason::RemoteMissing && waitReason_ != WaitReason::NotAuthorized)) return;
  Enter(PartitionState::Running, "");
  Rewind(d, produced_);
}

bool PartitionRuntime::Acknowledged(PartitionDriver& d, int64_t offset) {
  inFlight_--;
  int64_t limit = state_ == PartitionState::Failed ? failedAt_
                : state_ == PartitionState::Draining ? holdAt_
                : std::numeric_limits<int64_t>::max();
  if (offset >= limit) {
    writtenPastFailure_++;
    d.Emit(*this, EventKind::WrittenPastFailure, 2, offset,
           "record " + std::to_string(offset) + " reached the target after record " + std::to_string(limit) +
               " was refused; the position stays before the refused record");
    return false;
  }
  // Reports of one partition arrive in order (idempotent producer); a report from before a
  // rewind may come late, so the position only moves forward.
  position_ = std::max(position_, offset + 1);
  if (state_ == PartitionState::Running && !primed_) {
    // The first record of this lifetime is in: batches may follow it.
    primed_ = true;
    if (inFlight_ == 0) Rewind(d, offset + 1);
    return true;
  }
  primed_ = true;
  if (state_ == PartitionState::Isolating && inFlight_ == 0) {
    if (offset >= isolateUntil_) {
      Enter(PartitionState::Running, "");
      d.Emit(*this, EventKind::PartitionResumed, 5, offset + 1, "every record of the refused batch was resent one at a time and accepted: copying");
    }
    Rewind(d, offset + 1);
  } else if (state_ == PartitionState::Draining && inFlight_ == 0) {
    Enter(PartitionState::Isolating, reason_);
    Rewind(d, position_);
  }
  return true;
}

void PartitionRuntime::Refused(PartitionDriver& d, int64_t offset, bool isolate, const std::string& reason) {
  inFlight_--;
  switch (state_) {
    case PartitionState::Failed:
      if (offset < failedAt_) Fail(d, offset, reason);
      return;
    case PartitionState::Isolating:
      Fail(d, offset, reason);  // alone in its batch: this record is the one refused
      return;
    case PartitionState::Draining:
      // Another record of the refused batch(es), or one sent after it (which the producer's
      // gapless guarantee keeps off the target).
      isolateUntil_ = std::max(isolateUntil_, offset);
      break;
    case PartitionState::Running:
      if (!isolate) {
        Fail(d, offset, reason);
        return;
      }
      Enter(PartitionState::Draining, "the target refused a batch (" + reason + "): resending its records one at a time from " +
                                          std::to_string(offset) + " to find the one it refuses");
      holdAt_ = isolateUntil_ = offset;
      Stop(d);
      d.Emit(*this, EventKind::PartitionIsolating, 4, offset, reason_);
      break;
    case PartitionState::Waiting:
    case PartitionState::OperatorPaused:
      // Sent before the pause: start again at the refused record when resumed.
      if (!isolate) {
        Fail(d, offset, reason);
        return;
      }
      produced_ = std::min(produced_, offset);
      return;
    case PartitionState::Unassigned:
      return;
  }
  if (state_ == PartitionState::Draining && inFlight_ == 0) {
    Enter(PartitionState::Isolating, reason_);
    Rewind(d, position_);
  }
}

void PartitionRuntime::Undelivered(int64_t offset) {
  inFlight_--;
}

void PartitionRuntime::ProducerReset(PartitionDriver& d) {
  inFlight_ = 0;
  primed_ = false;  // a new producer: its first record of each partition goes alone
  switch (state_) {
    case PartitionState::Running:
    case PartitionState::Isolating:
      Rewind(d, position_);
      break;
    case PartitionState::Draining:
      Enter(PartitionState::Isolating, reason_);
      Rewind(d, position_);
      break;
    case PartitionState::Waiting:
    case PartitionState::OperatorPaused:
      if (position_ >= 0) produced_ = position_;
      break;
    case PartitionState::Failed:
    case PartitionState::Unassigned:
      break;
  }
}

void PartitionRuntime::Fail(PartitionDriver& d, int64_t offset, const std::string& reason) {
  if (state_ == PartitionState::Failed && failedAt_ <= offset) return;
  Enter(PartitionState::Failed, reason);
  failedAt_ = offset;
  Stop(d);
  d.Emit(*this, EventKind::PartitionFailed, 3, offset, reason);
}

bool PartitionRuntime::OperatorPause(PartitionDriver& d) {
  if (state_ == PartitionState::Unassigned) return false;
  if (state_ == PartitionState::Running) {
    Enter(PartitionState::OperatorPaused, "paused by an operator");
    Stop(d);
    d.Emit(*this, EventKind::PartitionPaused, 5, produced_, reason_);
  }
  return true;
}

bool PartitionRuntime::OperatorResume(PartitionDriver& d) {
  if (state_ == PartitionState::OperatorPaused) {
    // Everything handed over before the pause is acknowledged or in flight: continue after it.
    Enter(PartitionState::Running, "");
    Rewind(d, produced_);
    d.Emit(*this, EventKind::PartitionResumed, 5, produced_, "resumed by an operator");
    return true;
  }
  if (state_ == PartitionState::Failed) {
    // Copy again from the position: the refused record is tried again, nothing after it is skipped.
    Enter(PartitionState::Running, "");
    Rewind(d, position_);
    d.Emit(*this, EventKind::PartitionResumed, 5, position_, "resumed by an operator after a failure: copying again from the position");
    return true;
  }
  return false;
}

void PartitionRuntime::SkipTo(int64_t offset) {
  position_ = produced_ = offset;
}

bool PartitionRuntime::AdvanceTo(int64_t offset) {
  if (state_ != PartitionState::Running || inFlight_ != 0 || parked_ != 0 || produced_ != position_ || offset <= position_) return false;
  position_ = produced_ = offset;
  return true;
}

bool OffsetSyncRule::OnAcknowledged(int64_t upstream, int64_t downstream) {
  bool first = prevUpstream_ < 0;
  bool shifted = upstream - prevUpstream_ != 1 || downstream - prevDownstream_ != 1;
  bool stale = downstream - (syncDownstream_ + 1) >= lagMax_;
  prevUpstream_ = upstream;
  prevDownstream_ = downstream;
  if (!(first || shifted || stale)) return false;
  syncUpstream_ = upstream;
  syncDownstream_ = downstream;
  return true;
}

bool OffsetSyncRule::TakeTail(int64_t* upstream, int64_t* downstream) {
  if (prevUpstream_ < 0 || prevUpstream_ == syncUpstream_) return false;
  syncUpstream_ = *upstream = prevUpstream_;
  syncDownstream_ = *downstream = prevDownstream_;
  return true;
}

void OffsetSyncRule::Reset() {
  prevUpstream_ = prevDownstream_ = syncUpstream_ = syncDownstream_ = -1;
}

}  // namespace kmirror
