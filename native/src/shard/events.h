// What a shard tells JavaScript: one enum, one name table. src/native/addon.ts has the same names
// (SHARD_EVENT_KINDS) and a unit test compares them with shardEventKinds() from this table.
#pragma once

#include <cstdint>
#include <string>

namespace kmirror {

enum class EventKind {
  Log,                 // a librdkafka log line
  Error,               // something went wrong; replication goes on
  Fatal,               // a client cannot go on; the shard ends and is restarted
  PartitionFailed,     // a record was refused: the partition stopped at it (FAILED)
  PartitionWaiting,    // the partition waits for the target (WAITING)
  PartitionIsolating,  // a batch was refused: its records are resent one at a time (ISOLATING)
  PartitionPaused,     // an operator paused the partition (PAUSED)
  PartitionResumed,    // copying goes on after FAILED, PAUSED, WAITING or ISOLATING
  DataLoss,            // source records were deleted before they were copied (counted)
  SourceTruncated,     // the position is past the source's end (topic recreated or truncated)
  TopicMissing,        // the source topic or partition is unknown to the source cluster
  CommitFailed,        // a position could not be stored on the target
  Assigned,            // the group gave this shard partitions
  Revoked,             // the group took partitions away
  ProducerReset,       // the target producer was replaced; unacknowledged records are copied again
  WrittenPastFailure,  // an invariant broke: a record after a refused one reached the target (counted)
  SourceRecreated,     // the source topic was deleted and created again (a new topic ID): copied from its start
};

constexpr const char* kEventKindNames[] = {
    "log", "error", "fatal", "partition-failed", "partition-waiting", "partition-isolating", "partition-paused",
    "partition-resumed", "data-loss", "source-truncated", "topic-missing", "commit-failed", "assigned", "revoked",
    "producer-reset", "written-past-failure", "source-recreated",
};
constexpr size_t kEventKinds = sizeof(kEventKindNames) / sizeof(kEventKindNames[0]);
static_assert(kEventKinds == static_cast<size_t>(EventKind::SourceRecreated) + 1, "one name per EventKind");

inline const char* EventKindName(EventKind kind) { return kEventKindNames[static_cast<size_t>(kind)]; }

struct ShardEvent {
  EventKind kind = EventKind::Log;
  int level = 6;  // syslog level
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t count = -1;
  std::string message;
};

}  // namespace kmirror
