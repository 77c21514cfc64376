#include "store/stream/stream_snapshot.h"

namespace kizuna::store {
namespace {

void PutId(StateOut& out, StreamId id) {
  out.U(id.ms);
  out.U(id.seq);
}
bool GetId(StateIn& in, StreamId* id) { return in.U(&id->ms) && in.U(&id->seq); }

}  // namespace

void SaveStream(const Stream& stream, StateOut& out) {
  StreamState s = stream.Dump();
  out.Begin("outbox.entries");
  for (const StreamState::Entry& e : s.entries) {
    PutId(out, e.id);
    out.U(e.fields.size());
    for (const auto& [field, value] : e.fields) {
      out.S(field);
      out.S(value);
    }
    out.EndItem();
  }
  out.End();
  out.Begin("outbox.groups");
  PutId(out, s.last_id);
  PutId(out, s.first_id);
  out.U(s.entries_added);
  out.U(s.groups.size());
  for (const StreamState::Group& g : s.groups) {
    out.S(g.name);
    PutId(out, g.last_id);
    out.I(g.entries_read);
    out.U(g.consumers.size());
    for (const StreamState::Consumer& c : g.consumers) {
      out.S(c.name);
      out.I(c.seen_time);
      out.I(c.active_time);
    }
    out.U(g.pending.size());
    for (const StreamState::Pending& p : g.pending) {
      PutId(out, p.id);
      out.S(p.consumer);
      out.I(p.delivery_time);
      out.U(p.delivery_count);
    }
  }
  PutId(out, s.max_deleted_id);  // last: snapshots written before CUSTOMER.DEL cleaned the
                                 // outbox end without it
  out.End();
}

bool StreamLoader::LoadRecord(std::string_view tag, std::string_view payload) {
  StateIn in(payload);
  std::string_view a, b;
  uint64_t n;
  if (tag == "outbox.entries") {
    while (!in.done()) {
      StreamState::Entry& e = state_.entries.emplace_back();
      if (!GetId(in, &e.id) || !in.U(&n) || n > payload.size()) return in.Fail();
      for (uint64_t i = 0; i < n; ++i) {
        if (!in.S(&a) || !in.S(&b)) return false;
        e.fields.emplace_back(a, b);
      }
    }
    return in.ok();
  }
  if (tag != "outbox.groups") return false;
  if (!GetId(in, &state_.last_id) || !GetId(in, &state_.first_id) || !in.U(&state_.entries_added) ||
      !in.U(&n) || n > payload.size()) {
    return in.Fail();
  }
  for (uint64_t i = 0; i < n; ++i) {
    StreamState::Group& g = state_.groups.emplace_back();
    uint64_t consumers, pending;
    if (!in.S(&a) || !GetId(in, &g.last_id) || !in.I(&g.entries_read) || !in.U(&consumers) ||
        consumers > payload.size()) {
      return in.Fail();
    }
    g.name = a;
    for (uint64_t j = 0; j < consumers; ++j) {
      StreamState::Consumer& c = g.consumers.emplace_back();
      if (!in.S(&a) || !in.I(&c.seen_time) || !in.I(&c.active_time)) return false;
      c.name = a;
    }
    if (!in.U(&pending) || pending > payload.size()) return in.Fail();
    for (uint64_t j = 0; j < pending; ++j) {
      StreamState::Pending& p = g.pending.emplace_back();
      if (!GetId(in, &p.id) || !in.S(&a) || !in.I(&p.delivery_time) || !in.U(&p.delivery_count)) {
        return false;
      }
      p.consumer = a;
    }
  }
  if (!in.done() && !GetId(in, &state_.max_deleted_id)) return in.Fail();
  if (!in.ok() || !in.done()) return false;
  stream_->Restore(state_);
  state_ = StreamState();
  return true;
}

}  // namespace kizuna::store
