#include "server/commands/stream_common.h"

#include "server/command_context.h"
#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {

store::Stream* OutboxOrReply(CommandContext& ctx, std::string_view key) {
  if (key != kOutboxKey) {
    ctx.reply.Error(kNoSuchStream);
    return nullptr;
  }
  return &ctx.server.store().outbox();
}

std::string NoGroupError(std::string_view key, std::string_view group, std::string_view suffix) {
  return StrCat("NOGROUP No such key '", key, "' or consumer group '", group, "'", suffix);
}

std::string NoGroupForKeyError(std::string_view key, std::string_view group) {
  return StrCat("NOGROUP No such consumer group '", group, "' for key name '", key, "'");
}

std::optional<store::StreamId> ParseIdOrReply(CommandContext& ctx, std::string_view arg) {
  auto id = store::ParseStreamId(arg);
  if (!id) ctx.reply.Error(kInvalidStreamId);
  return id;
}

void WriteStreamId(protocol::ReplyWriter& w, store::StreamId id) {
  char buf[store::kStreamIdTextSize];
  w.Bulk(store::FormatStreamId(id, buf));
}

void WriteEntry(protocol::ReplyWriter& w, const store::StreamEntry& e) {
  w.Array(2);
  WriteStreamId(w, e.id());
  w.Array(2 * static_cast<size_t>(e.field_count()));
  e.ForEachField([&](std::string_view f, std::string_view v) {
    w.Bulk(f);
    w.Bulk(v);
  });
}

void WriteEntryOrTrimmed(protocol::ReplyWriter& w, store::StreamId id,
                         const store::StreamEntry* e) {
  if (e) return WriteEntry(w, *e);
  w.Array(2);
  WriteStreamId(w, id);
  w.NullArray();
}

}  // namespace kizuna::server
