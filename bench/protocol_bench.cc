// Google Benchmark for protocol/: parsing requests and writing replies, the server hot path.
// Each benchmark reports per_cmd: CPU time per command parsed or reply written (printed with its
// unit, e.g. 21.4ns). A parse iteration includes copying the read into the parser's buffer, as
// a socket read would.
#include <benchmark/benchmark.h>

#include <cstring>
#include <string>

#include "protocol/reply_writer.h"
#include "protocol/request_parser.h"

namespace kizuna::protocol {
namespace {

void ReportPerCommand(benchmark::State& state, int commands_per_iteration) {
  // An inverted rate: seconds per command.
  state.counters["per_cmd"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * commands_per_iteration,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Parses one read holding `commands` complete commands.
void ParseReads(benchmark::State& state, const std::string& read, int commands) {
  RequestParser parser;
  for (auto _ : state) {
    std::span<char> room = parser.PrepareRead();
    std::memcpy(room.data(), read.data(), read.size());
    parser.CommitRead(read.size());
    while (parser.Next() == RequestParser::Status::kCommand) {
      benchmark::DoNotOptimize(parser.args().data());
    }
  }
  ReportPerCommand(state, commands);
}

void BM_Parse16PipelinedPings(benchmark::State& state) {
  std::string read;
  for (int i = 0; i < 16; ++i) read += "*1\r\n$4\r\nPING\r\n";
  ParseReads(state, read, 16);
}
BENCHMARK(BM_Parse16PipelinedPings);

void BM_ParseEventMultibulk(benchmark::State& state) {
  ParseReads(state,
             "*7\r\n$5\r\nEVENT\r\n$11\r\ncustomer:42\r\n$8\r\npurchase\r\n$4\r\nITEM\r\n"
             "$9\r\nproduct:A\r\n$5\r\nVALUE\r\n$5\r\n19.99\r\n",
             1);
}
BENCHMARK(BM_ParseEventMultibulk);

void BM_ParseInline(benchmark::State& state) {
  ParseReads(state, "EVENT customer:42 view ITEM \"page:/vision\"\r\n", 1);
}
BENCHMARK(BM_ParseInline);

void BM_Write16Pongs(benchmark::State& state) {
  ReplyBuffer out;
  for (auto _ : state) {
    out.clear();
    ReplyWriter w(&out, 2);
    for (int i = 0; i < 16; ++i) w.Simple("PONG");
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerCommand(state, 16);
}
BENCHMARK(BM_Write16Pongs);

// A SCORE reply: a map of four categories to doubles.
void BM_WriteDoubleMap(benchmark::State& state) {
  const int resp = static_cast<int>(state.range(0));
  const char* keys[] = {"product", "lifestyle", "lifestance", "total"};
  const double values[] = {12.5, 3.0999999999999996, 0.1, 15.7};
  ReplyBuffer out;
  for (auto _ : state) {
    out.clear();
    ReplyWriter w(&out, resp);
    w.Map(4);
    for (int i = 0; i < 4; ++i) {
      w.Bulk(keys[i]);
      w.Double(values[i]);
    }
    benchmark::DoNotOptimize(out.data());
  }
  ReportPerCommand(state, 1);
}
BENCHMARK(BM_WriteDoubleMap)->ArgName("resp")->Arg(3)->Arg(2);

}  // namespace
}  // namespace kizuna::protocol
