#include "server/command_table.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "server/acl/acl_categories.h"

namespace kizuna::server {

std::string_view LowerInto(std::string_view name, char* buf, size_t n) {
  if (name.size() > n) return {};
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return {buf, name.size()};
}

void CommandTable::Add(std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) {
    auto entry = std::make_unique<Entry>();
    entry->spec = &spec;
    entry->full_name = std::string(spec.name);
    entry->id = next_id_++;
    entry->categories = AclCategoryMask(spec.acl);
    Entry* raw = entry.get();
    bool inserted = entries_.emplace(entry->full_name, std::move(entry)).second;
    assert(inserted && "command registered twice");
    (void)inserted;
    order_.push_back(raw);
    assert(next_id_ + spec.subcommands.size() < kMaxIds && "raise CommandTable::kMaxIds");
    for (const CommandSpec& sub : spec.subcommands) {
      auto sub_entry = std::make_unique<Entry>();
      sub_entry->spec = &sub;
      sub_entry->parent = &spec;
      sub_entry->full_name = std::string(spec.name) + "|" + std::string(sub.name);
      sub_entry->id = next_id_++;
      sub_entry->categories = AclCategoryMask(sub.acl);
      entries_.emplace(sub_entry->full_name, std::move(sub_entry));
    }
  }
}

CommandTable::Entry* CommandTable::Find(std::string_view name) {
  char buf[64];
  std::string_view lower = LowerInto(name, buf, sizeof(buf));
  if (lower.empty()) return nullptr;
  auto it = entries_.find(lower);
  if (it == entries_.end() || it->second->parent != nullptr) return nullptr;
  return it->second.get();
}

CommandTable::Entry* CommandTable::Find(std::string_view name, Recent* recent) {
  if (recent->entry_ != nullptr && name.size() == recent->size_ &&
      std::memcmp(name.data(), recent->name_, name.size()) == 0) {
    return recent->entry_;
  }
  Entry* entry = Find(name);
  if (entry != nullptr && name.size() <= sizeof(recent->name_)) {
    std::memcpy(recent->name_, name.data(), name.size());
    recent->size_ = name.size();
    recent->entry_ = entry;
  }
  return entry;
}

CommandTable::Entry* CommandTable::FindSub(const Entry& parent, std::string_view sub) {
  char buf[128];
  size_t n = parent.full_name.size();
  if (n + 1 + sub.size() > sizeof(buf)) return nullptr;
  std::copy(parent.full_name.begin(), parent.full_name.end(), buf);
  buf[n] = '|';
  std::string_view lower_sub = LowerInto(sub, buf + n + 1, sizeof(buf) - n - 1);
  if (lower_sub.empty()) return nullptr;
  auto it = entries_.find(std::string_view(buf, n + 1 + sub.size()));
  return it == entries_.end() ? nullptr : it->second.get();
}

std::vector<CommandTable::Entry*> CommandTable::Subcommands(const Entry& parent) {
  std::vector<Entry*> out;
  for (const CommandSpec& sub : parent.spec->subcommands) {
    out.push_back(FindSub(parent, sub.name));
  }
  return out;
}

std::vector<CommandTable::Entry*> CommandTable::AllEntries() {
  std::vector<Entry*> out;
  for (Entry* e : order_) {
    out.push_back(e);
    for (Entry* sub : Subcommands(*e)) out.push_back(sub);
  }
  return out;
}

}  // namespace kizuna::server
