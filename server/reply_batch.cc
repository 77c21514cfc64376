#include "server/reply_batch.h"

#include <boost/asio/post.hpp>

#include "server/session.h"

namespace kizuna::server {

void ReplyBatch::Add(std::shared_ptr<Session> s) {
  waiting_.push_back(std::move(s));
  if (posted_) return;
  posted_ = true;
  // Posted behind the completions the reactor has queued, so it runs after them.
  boost::asio::post(io_, [this] { Run(); });
}

void ReplyBatch::Run() {
  posted_ = false;
  if (waiting_.empty()) return;  // FlushNow ran first
  running_.swap(waiting_);
  ++batches_;
  clients_ += running_.size();
  for (const auto& s : running_) s->FlushBatched();
  running_.clear();
}

}  // namespace kizuna::server
