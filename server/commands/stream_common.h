// Shared by the stream command families (stream_read.cc, stream_group.cc, stream_info.cc):
// the one key they accept, Redis's error texts, and entry replies.
#ifndef KIZUNA_SERVER_COMMANDS_STREAM_COMMON_H_
#define KIZUNA_SERVER_COMMANDS_STREAM_COMMON_H_

#include <optional>
#include <string>
#include <string_view>

#include "protocol/reply_writer.h"
#include "store/stream/stream.h"

namespace kizuna::server {

struct CommandContext;

inline constexpr std::string_view kOutboxKey = "outbox";
inline constexpr std::string_view kNoSuchStream = "ERR no such stream: the only stream is 'outbox'";
inline constexpr std::string_view kInvalidStreamId =
    "ERR Invalid stream ID specified as stream command argument";

// The outbox when `key` names it; otherwise replies kNoSuchStream and returns nullptr.
store::Stream* OutboxOrReply(CommandContext& ctx, std::string_view key);

// "NOGROUP No such key 'k' or consumer group 'g'" (+ suffix, e.g. " in XREADGROUP ...").
std::string NoGroupError(std::string_view key, std::string_view group,
                         std::string_view suffix = "");
// "NOGROUP No such consumer group 'g' for key name 'k'" (XGROUP, XINFO).
std::string NoGroupForKeyError(std::string_view key, std::string_view group);

// An id argument ("5-1" or "5" = 5-0), or nullopt after replying kInvalidStreamId.
std::optional<store::StreamId> ParseIdOrReply(CommandContext& ctx, std::string_view arg);

void WriteStreamId(protocol::ReplyWriter& w, store::StreamId id);
// [id, [field, value, ...]]
void WriteEntry(protocol::ReplyWriter& w, const store::StreamEntry& e);
// An entry, or [id, null] for one that was trimmed while pending (XREADGROUP history).
void WriteEntryOrTrimmed(protocol::ReplyWriter& w, store::StreamId id, const store::StreamEntry* e);

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_COMMANDS_STREAM_COMMON_H_
