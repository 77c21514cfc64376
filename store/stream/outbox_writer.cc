#include "store/stream/outbox_writer.h"

#include <charconv>

namespace kizuna::store {

namespace {

std::string_view Decimal(int64_t v, char (&buf)[24]) {
  auto end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  return {buf, static_cast<size_t>(end - buf)};
}

}  // namespace

void OutboxWriter::Emit(const OutboxMessage& m) {
  char due[24], fired[24];
  stream_->Append({{"type", m.type},
                   {"name", m.name},
                   {kOutboxCustomerField, m.customer},
                   {"message", m.message},
                   {"due", Decimal(m.due, due)},
                   {"fired", Decimal(m.fired, fired)},
                   {"late", m.late ? "1" : "0"}},
                  m.fired);
}

}  // namespace kizuna::store
