#include "server/command_docs.h"

#include <cctype>
#include <cstring>

#include "store/strings.h"

namespace kizuna::server {
namespace {

class SyntaxParser {
 public:
  SyntaxParser(std::string_view text, std::string_view key_name) : key_name_(key_name) {
    Tokenize(text);
  }

  std::vector<DocArg> ParseAll() {
    DocArg top = ParseAlternatives();
    if (top.type == "block" && !top.optional && !top.multiple) return std::move(top.children);
    std::vector<DocArg> out;
    out.push_back(std::move(top));
    return out;
  }

 private:
  void Tokenize(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
      char c = text[i];
      if (c == ' ') {
        ++i;
      } else if (c == '[' || c == ']' || c == '(' || c == ')' || c == '|') {
        tokens_.emplace_back(1, c);
        ++i;
      } else if (text.substr(i, 3) == "...") {
        tokens_.emplace_back("...");
        i += 3;
      } else {
        size_t j = i;
        while (j < text.size() && !std::strchr(" []()|", text[j]) && text.substr(j, 3) != "...") {
          ++j;
        }
        tokens_.emplace_back(text.substr(i, j - i));
        i = j;
      }
    }
  }

  bool At(std::string_view t) const { return pos_ < tokens_.size() && tokens_[pos_] == t; }

  // Items until ']' , ')' , '|' or the end.
  std::vector<DocArg> ParseSequence() {
    std::vector<DocArg> items;
    while (pos_ < tokens_.size() && !At("]") && !At(")") && !At("|")) {
      DocArg item = ParseItem();
      if (At("...")) {
        ++pos_;
        item.multiple = true;
      }
      items.push_back(std::move(item));
    }
    return MergeTokens(std::move(items));
  }

  DocArg ParseItem() {
    if (At("[") || At("(")) {
      bool optional = At("[");
      ++pos_;
      DocArg group = ParseAlternatives();
      if (At("]") || At(")")) ++pos_;
      // "(a b)" and "(a ...)" stay a block of their own, so a keyword before them names the
      // whole block ("AUTH (username password)").
      if (!optional && group.type != "block" && group.type != "oneof") {
        group = AsBlock({std::move(group)});
      }
      group.optional = group.optional || optional;
      return group;
    }
    std::string word = tokens_[pos_++];
    DocArg arg;
    if (size_t colon = word.rfind(':'); colon != std::string::npos) {
      std::string_view type = std::string_view(word).substr(colon + 1);
      if (IsValueType(type)) {
        arg.type = type;
        word.resize(colon);
      }
    }
    bool upper = false, lower = false;
    for (char c : word) {
      upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
      lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    }
    arg.name = AsciiLower(word);
    if (!arg.type.empty()) return arg;
    // CAPS keywords and punctuation literals ("$", "~", "*") are tokens the client types.
    if (!lower && !word.empty()) {
      arg.type = "pure-token";
      arg.token = word;
    } else {
      arg.type = (!key_name_.empty() && word == key_name_) ? "key" : "string";
    }
    return arg;
  }

  static bool IsValueType(std::string_view type) {
    for (std::string_view known : {"string", "integer", "double", "key", "pattern", "unix-time"}) {
      if (type == known) return true;
    }
    return false;
  }

  // seq ('|' seq)* -> one arg: the sequence itself, or a oneof of them.
  DocArg ParseAlternatives() {
    std::vector<DocArg> options;
    options.push_back(AsOne(ParseSequence()));
    while (At("|")) {
      ++pos_;
      options.push_back(AsOne(ParseSequence()));
    }
    if (options.size() == 1) return std::move(options[0]);
    DocArg oneof;
    oneof.name = options[0].name;
    oneof.type = "oneof";
    oneof.children = std::move(options);
    return oneof;
  }

  static DocArg AsOne(std::vector<DocArg> items) {
    if (items.size() == 1) return std::move(items[0]);
    return AsBlock(std::move(items));
  }

  static DocArg AsBlock(std::vector<DocArg> items) {
    DocArg block;
    block.name = items.empty() ? "block" : items[0].name;
    block.type = "block";
    block.children = std::move(items);
    return block;
  }

  // "WORD word" and "WORD (group)" pairs become one argument with a token, as Redis documents
  // them.
  static std::vector<DocArg> MergeTokens(std::vector<DocArg> items) {
    std::vector<DocArg> out;
    for (size_t i = 0; i < items.size(); ++i) {
      if (items[i].type == "pure-token" && !items[i].multiple && i + 1 < items.size() &&
          items[i + 1].type != "pure-token" && items[i + 1].token.empty() &&
          !items[i + 1].optional) {
        DocArg merged = std::move(items[i + 1]);
        merged.token = items[i].token;
        out.push_back(std::move(merged));
        ++i;
      } else {
        out.push_back(std::move(items[i]));
      }
    }
    return out;
  }

  std::vector<std::string> tokens_;
  size_t pos_ = 0;
  std::string_view key_name_;
};

}  // namespace

std::vector<DocArg> ParseSyntax(std::string_view syntax, std::string_view key_name) {
  SyntaxParser parser(syntax, key_name);
  return parser.ParseAll();
}

}  // namespace kizuna::server
