// OutboxWriter: the trigger engine's OutboxSink, appending each message to the outbox stream
// with the SPEC's fields in order: type, name, customer, message, due, fired, late (0/1).
// The entry id takes the message's `fired` time, the server clock at which it was emitted.
#ifndef KIZUNA_STORE_STREAM_OUTBOX_WRITER_H_
#define KIZUNA_STORE_STREAM_OUTBOX_WRITER_H_

#include <string_view>

#include "store/stream/stream.h"
#include "store/triggers.h"

namespace kizuna::store {

// The field naming the customer a message was sent to (CUSTOMER.DEL removes their entries).
inline constexpr std::string_view kOutboxCustomerField = "customer";

class OutboxWriter final : public OutboxSink {
 public:
  explicit OutboxWriter(Stream* stream) : stream_(stream) {}
  void Emit(const OutboxMessage& m) override;

 private:
  Stream* stream_;
};

}  // namespace kizuna::store

#endif  // KIZUNA_STORE_STREAM_OUTBOX_WRITER_H_
