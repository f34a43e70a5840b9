// The flow's replication positions: committed offsets of the positions group on the target,
// keyed by remote topic and partition (the next source offset to copy). Every wait is bounded:
// with the target down, reading or storing gives up at its deadline instead of hanging.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <librdkafka/rdkafka.h>

namespace kmirror {

class PositionStore {
 public:
  // Called for every stored (or refused) position, on the owning thread.
  using Stored = std::function<void(const rd_kafka_topic_partition_t& p, rd_kafka_resp_err_t err)>;

  PositionStore(rd_kafka_t* handle, Stored stored);
  ~PositionStore();
  PositionStore(const PositionStore&) = delete;
  PositionStore& operator=(const PositionStore&) = delete;

  // Reads the stored positions of `remote` (offsets set in place; RD_KAFKA_OFFSET_INVALID when
  // none). A coordinator still loading or unreachable is waited out up to waitMs.
  rd_kafka_resp_err_t Read(rd_kafka_topic_partition_list_t* remote, int waitMs);
  // Stores asynchronously; results arrive through Poll().
  void Store(const rd_kafka_topic_partition_list_t* offsets);
  // Stores and waits up to timeoutMs for its result (and earlier ones). False when they did not arrive in time.
  bool StoreAndWait(const rd_kafka_topic_partition_list_t* offsets, int timeoutMs);
  void Poll() { rd_kafka_queue_poll_callback(results_, 0); }
  rd_kafka_t* handle() const { return handle_; }

 private:
  static void CommitCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque);

  rd_kafka_t* handle_;
  rd_kafka_queue_t* results_;
  Stored stored_;
  uint64_t pending_ = 0;  // stores whose results have not arrived
};

}  // namespace kmirror
