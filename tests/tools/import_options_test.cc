#include "tools/import/import_options.h"

#include <gtest/gtest.h>

#include <vector>

namespace kizuna::import {
namespace {

struct Parsed {
  ParseResult result;
  ImportOptions options;
  std::string error;
};

Parsed Parse(std::vector<const char*> args, const char* env = nullptr) {
  args.insert(args.begin(), "kizuna-import");
  Parsed p;
  p.result =
      ParseImportOptions(static_cast<int>(args.size()), args.data(), env, &p.options, &p.error);
  return p;
}

TEST(ImportOptions, Defaults) {
  Parsed p = Parse({"events.csv"});
  ASSERT_EQ(p.result, ParseResult::kRun) << p.error;
  EXPECT_EQ(p.options.host, "127.0.0.1");
  EXPECT_EQ(p.options.port, 7379);
  EXPECT_EQ(p.options.window, 4096u);
  EXPECT_FALSE(p.options.strict);
  EXPECT_EQ(p.options.inputs, std::vector<std::string>{"events.csv"});
}

TEST(ImportOptions, EveryFlag) {
  Parsed p = Parse({"-h", "db1", "-p", "6400", "--user", "ops", "-a", "pw", "--format", "jsonl",
                    "--strict", "--window", "100", "--progress", "lines", "--progress-interval",
                    "0.5", "-", "b.txt"});
  ASSERT_EQ(p.result, ParseResult::kRun) << p.error;
  EXPECT_EQ(p.options.host, "db1");
  EXPECT_EQ(p.options.port, 6400);
  EXPECT_EQ(p.options.user, "ops");
  EXPECT_EQ(p.options.password, "pw");
  EXPECT_EQ(p.options.format, Format::kJsonLines);
  EXPECT_TRUE(p.options.strict);
  EXPECT_EQ(p.options.window, 100u);
  EXPECT_EQ(p.options.progress, ProgressMode::kLines);
  EXPECT_EQ(p.options.progress_interval, 0.5);
  EXPECT_EQ(p.options.inputs, (std::vector<std::string>{"-", "b.txt"}));
}

TEST(ImportOptions, PasswordFromTheEnvironmentUnlessGiven) {
  EXPECT_EQ(Parse({"a.csv"}, "envpw").options.password, "envpw");
  EXPECT_EQ(Parse({"-a", "flag", "a.csv"}, "envpw").options.password, "flag");
}

TEST(ImportOptions, FormatFromExtensionOrRequired) {
  EXPECT_EQ(FormatOfPath("x.csv"), Format::kCsv);
  EXPECT_EQ(FormatOfPath("x.jsonl"), Format::kJsonLines);
  EXPECT_EQ(FormatOfPath("x.ndjson"), Format::kJsonLines);
  EXPECT_EQ(FormatOfPath("x.json"), Format::kAuto);
  EXPECT_EQ(Parse({}).error, "stdin: cannot tell the format from the name; use --format csv|jsonl");
  EXPECT_EQ(Parse({"a.csv", "b.txt"}).error,
            "'b.txt': cannot tell the format from the name; use --format csv|jsonl");
  EXPECT_EQ(Parse({"--format", "csv"}).options.inputs, std::vector<std::string>{"-"});
}

TEST(ImportOptions, BadArguments) {
  EXPECT_EQ(Parse({"--help"}).result, ParseResult::kHelp);
  EXPECT_EQ(Parse({"-p", "0", "a.csv"}).error, "invalid port '0'");
  EXPECT_EQ(Parse({"-p", "70000", "a.csv"}).error, "invalid port '70000'");
  EXPECT_EQ(Parse({"--window", "0", "a.csv"}).error, "invalid window '0' (1 to 1048576)");
  EXPECT_EQ(Parse({"--format", "xml"}).error, "unknown format 'xml' (csv or jsonl)");
  EXPECT_EQ(Parse({"--progress", "fancy", "a.csv"}).error,
            "unknown progress mode 'fancy' (auto, bar, lines or none)");
  EXPECT_EQ(Parse({"--progress-interval", "-1", "a.csv"}).error,
            "invalid progress interval '-1' (seconds, 0 to 86400)");
  EXPECT_EQ(Parse({"--bogus", "a.csv"}).error, "unknown option '--bogus'");
  EXPECT_EQ(Parse({"--user", "ops", "a.csv"}).error,
            "--user needs a password (-a or REDISCLI_AUTH)");
  EXPECT_EQ(Parse({"--user", "ops", "a.csv"}, "envpw").result, ParseResult::kRun);
  EXPECT_EQ(Parse({"a.csv", "-p"}).error, "option -p needs a value");
  EXPECT_EQ(Parse({"a.csv", "-p"}).result, ParseResult::kError);
}

}  // namespace
}  // namespace kizuna::import
