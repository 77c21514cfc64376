#include "server/config_docs.h"

#include <cstdint>
#include <string_view>

#include "server/server.h"
#include "store/strings.h"

namespace kizuna::server {
namespace {

using K = ConfigParam::Kind;

// What values a setting accepts, beyond its kind's name; empty when anything of the kind goes.
std::string Accepts(const ConfigParam& p) {
  switch (p.kind) {
    case K::kBool:
      return "yes or no";
    case K::kInt:
      if (p.max >= INT32_MAX)
        return p.min == 0 ? "an integer >= 0" : StrCat("an integer >= ", p.min);
      return StrCat("an integer from ", p.min, " to ", p.max);
    case K::kMemory:
      return "bytes, or a number with a unit: kb, mb, gb (1024-based) or k, m, g (1000-based)";
    case K::kDuration:
      return "a duration: 500ms, 30s, 5m, 1h, 7d, 2w";
    case K::kEnum:
      return StrCat("one of ", Join(SplitNonEmpty(p.choices, '|'), ", "));
    case K::kString:
      return "";
  }
  return "";
}

// One sentence: the table's help with its first letter capitalised and a full stop.
std::string Sentence(std::string_view help) {
  std::string s(help);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  if (!s.empty() && s.back() != '.') s += '.';
  return s;
}

// Escapes text for troff: backslashes, hyphens (so they are not hyphenation points) and a
// leading period or quote that would start a request.
std::string Troff(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\e";
    else if (c == '-')
      out += "\\-";
    else
      out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

}  // namespace

std::string FormatDefault(const ConfigParam& param, const Config& config) {
  if (param.kind == K::kMemory) {
    int64_t bytes = config.*std::get<int64_t Config::*>(param.field);
    static constexpr std::pair<int64_t, std::string_view> kUnits[] = {
        {1024ll * 1024 * 1024, "gb"}, {1024 * 1024, "mb"}, {1024, "kb"}};
    for (auto [size, unit] : kUnits) {
      if (bytes != 0 && bytes % size == 0) return StrCat(bytes / size, unit);
    }
  }
  return QuoteConfigValue(param.Get(config));
}

std::string ConfigFileText(const Config& config) {
  Config defaults;
  std::string out =
      "# kizuna.conf: settings of kizuna-server, in redis.conf syntax (`name value`).\n"
      "#\n"
      "# Generated from the server's config table: every setting is listed with its meaning\n"
      "# and its default. Lines starting with '#' are comments; uncomment a setting to change\n"
      "# it. A flag on the command line (--name value) overrides this file. Settings not\n"
      "# marked 'start-up only' can also be changed at run time with CONFIG SET, and\n"
      "# CONFIG REWRITE writes them back here (this file must then be writable).\n"
      "#\n"
      "# Run: kizuna-server /etc/kizuna/kizuna.conf   (see kizuna-server(1))\n";
  for (const ConfigParam& p : ConfigParams()) {
    std::string accepts = Accepts(p);
    StrAppend(&out, "\n# ", Sentence(p.help), "\n");
    if (!accepts.empty() || !p.mutable_at_runtime) {
      StrAppend(&out, "# ", accepts.empty() ? "" : StrCat("Accepts ", accepts, "."),
                !accepts.empty() && !p.mutable_at_runtime ? " " : "",
                p.mutable_at_runtime ? "" : "Start-up only.", "\n");
    }
    std::string def = FormatDefault(p, defaults);
    std::string value = FormatDefault(p, config);
    if (p.Get(config) != p.Get(defaults)) {
      StrAppend(&out, "# Default: ", p.name, " ", def, "\n", p.name, " ", value, "\n");
    } else {
      StrAppend(&out, "# ", p.name, " ", def, "\n");
    }
  }
  return out;
}

std::string ManPageText() {
  Config defaults;
  std::string version(Server::kVersion);
  std::string out = StrCat(
      ".TH KIZUNA\\-SERVER 1 \"\" \"kizuna ", version,
      "\" \"User Commands\"\n"
      ".SH NAME\n"
      "kizuna\\-server \\- real\\-time customer scoring server that speaks the Redis protocol\n"
      ".SH SYNOPSIS\n"
      ".B kizuna\\-server\n"
      "[\\fIconfig\\-file\\fR] [\\fB\\-\\-\\fIname value\\fR ...]\n"
      ".br\n"
      ".B kizuna\\-server\n"
      "\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR\n"
      ".SH DESCRIPTION\n"
      "kizuna keeps a score vector per customer from behaviour events sent with any Redis\n"
      "client (RESP2 or RESP3), awards badges, keeps segments current and arms timed scenario\n"
      "triggers whose messages go to the stream \\fBoutbox\\fR.\n"
      ".PP\n"
      "Every setting can be given in the config file (redis.conf syntax: \\fIname value\\fR\n"
      "per line, \\fB#\\fR comments), as a flag \\fB\\-\\-\\fIname value\\fR (applied after\n"
      "the file), and read or changed at run time with \\fBCONFIG GET\\fR/\\fBSET\\fR, except\n"
      "those marked start\\-up only.\n"
      ".SH OPTIONS\n"
      ".TP\n"
      ".B \\-\\-help\n"
      "Print every setting with its default and exit.\n"
      ".TP\n"
      ".B \\-\\-version\n"
      "Print the version and exit.\n");
  for (const ConfigParam& p : ConfigParams()) {
    std::string accepts = Accepts(p);
    StrAppend(&out, ".TP\n.BI \\-\\-", Troff(p.name), " \" ",
              Troff(p.kind == K::kBool ? "yes|no" : "value"), "\"\n", Troff(Sentence(p.help)));
    if (!accepts.empty()) StrAppend(&out, " Accepts ", Troff(accepts), ".");
    StrAppend(&out, " Default: \\fB", Troff(FormatDefault(p, defaults)), "\\fR.",
              p.mutable_at_runtime ? "" : " Start\\-up only.", "\n");
  }
  StrAppend(&out,
            ".SH SIGNALS\n"
            "\\fBSIGTERM\\fR and \\fBSIGINT\\fR (like the \\fBSHUTDOWN\\fR command) flush and\n"
            "fsync the append\\-only log and exit with status 0.\n"
            ".SH NOTES\n"
            "When started by systemd with \\fBType=notify\\fR, the server sends READY=1 to\n"
            "\\fBNOTIFY_SOCKET\\fR once its data is loaded, and STOPPING=1 on shutdown.\n"
            ".SH FILES\n"
            ".TP\n"
            ".I /etc/kizuna/kizuna.conf\n"
            "The config file of the packaged service.\n"
            ".TP\n"
            ".I /var/lib/kizuna\n"
            "Its data directory (append\\-only logs and snapshots).\n"
            ".SH EXAMPLES\n"
            ".nf\n"
            "kizuna\\-server \\-\\-port 7379 \\-\\-requirepass secret\n"
            "kizuna\\-server /etc/kizuna/kizuna.conf \\-\\-loglevel verbose\n"
            "redis\\-cli \\-p 7379 EVENT c1 view ITEM product:A\n"
            ".fi\n"
            ".SH SEE ALSO\n"
            ".BR redis\\-cli (1),\n"
            ".BR systemctl (1)\n");
  return out;
}

std::string ConfigMarkdownTable() {
  Config defaults;
  std::string out =
      "| setting | default | at run time | meaning |\n"
      "| --- | --- | --- | --- |\n";
  for (const ConfigParam& p : ConfigParams()) {
    std::string accepts = Accepts(p);
    std::string meaning = Sentence(p.help);
    if (!accepts.empty()) StrAppend(&meaning, " Accepts ", accepts, ".");
    // A '|' inside a cell would split it; '<' would start an HTML tag.
    std::string cell;
    for (char c : meaning) {
      if (c == '|')
        cell += "\\|";
      else if (c == '<')
        cell += "&lt;";
      else if (c == '>')
        cell += "&gt;";
      else
        cell += c;
    }
    StrAppend(&out, "| `", p.name, "` | `", FormatDefault(p, defaults), "` | ",
              p.mutable_at_runtime ? "CONFIG SET" : "start-up only", " | ", cell, " |\n");
  }
  return out;
}

}  // namespace kizuna::server
