#include "positions.h"

#include <chrono>
#include <thread>

namespace kmirror {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool IsRetriableCoordinatorError(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
      return true;
    default:
      return false;
  }
}

}  // namespace

PositionStore::PositionStore(rd_kafka_t* handle, Stored stored)
    : handle_(handle), results_(rd_kafka_queue_new(handle)), stored_(std::move(stored)) {}

PositionStore::~PositionStore() { rd_kafka_queue_destroy(results_); }

rd_kafka_resp_err_t PositionStore::Read(rd_kafka_topic_partition_list_t* remote, int waitMs) {
  int64_t deadline = NowMs() + waitMs;
  for (;;) {
    for (int i = 0; i < remote->cnt; i++) {
      remote->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
      remote->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    }
    int64_t left = deadline - NowMs();
    rd_kafka_resp_err_t err = rd_kafka_committed(handle_, remote, static_cast<int>(left < 1000 ? 1000 : left));
    for (int i = 0; !err && i < remote->cnt; i++) err = remote->elems[i].err;
    if (!err || !IsRetriableCoordinatorError(err) || NowMs() >= deadline) return err;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

void PositionStore::CommitCb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque) {
  PositionStore* self = static_cast<PositionStore*>(opaque);
  if (self->pending_ > 0) self->pending_--;
  if (!offsets) return;
  for (int i = 0; i < offsets->cnt; i++) self->stored_(offsets->elems[i], err ? err : offsets->elems[i].err);
}

void PositionStore::Store(const rd_kafka_topic_partition_list_t* offsets) {
  pending_++;
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(handle_, offsets, results_, &PositionStore::CommitCb, this);
  if (err) {
    // Not even queued (e.g. the handle is closing): report it like a refused store.
    pending_--;
    for (int i = 0; i < offsets->cnt; i++) stored_(offsets->elems[i], err);
  }
}

bool PositionStore::StoreAndWait(const rd_kafka_topic_partition_list_t* offsets, int timeoutMs) {
  Store(offsets);
  int64_t deadline = NowMs() + timeoutMs;
  while (pending_ > 0) {  // this store and any earlier one still on its way
    int64_t left = deadline - NowMs();
    if (left <= 0) return false;
    rd_kafka_queue_poll_callback(results_, static_cast<int>(left < 100 ? left : 100));
  }
  return true;
}

}  // namespace kmirror
