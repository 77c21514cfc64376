#include "server/server.h"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <fstream>
#include <random>

#include "server/arg_parser.h"
#include "server/commands/families.h"
#include "server/dispatcher.h"
#include "server/init_file.h"
#include "server/log.h"
#include "server/monitor_format.h"
#include "server/sd_notify.h"
#include "server/session.h"
#include "store/duration.h"
#include "store/huge_pages.h"
#include "store/strings.h"

namespace kizuna::server {

namespace asio = boost::asio;

namespace {

constexpr auto kCronPeriod = std::chrono::milliseconds(100);
// Loading replays this long between two turns of serving clients.
constexpr auto kLoadSlice = std::chrono::milliseconds(20);

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() % 16];
  return out;
}

// Room for maxclients sockets plus files and listeners, as Redis reserves.
void RaiseFileLimit(int64_t maxclients) {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  rlim_t want = static_cast<rlim_t>(maxclients) + 64;
  if (lim.rlim_cur >= want) return;
  rlimit next = lim;
  next.rlim_cur = std::min(want, lim.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &next) != 0 || next.rlim_cur < want) {
    LogWarning("Could not raise the open-files limit to ", want, " (now ", next.rlim_cur,
               "); maxclients may not be reachable");
  }
}

bool IsLoopback(const asio::ip::address& a) {
  if (a.is_loopback()) return true;
  return a.is_v6() && a.to_v6().is_v4_mapped() &&
         asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).is_loopback();
}

}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      startup_config_(config_),
      acceptor_(io_),
      tls_acceptor_(io_),
      signals_(io_),
      cron_timer_(io_) {
  if (config_.clock == "manual") {
    auto manual = std::make_unique<store::ManualClock>(store::SystemNowMs());
    manual_clock_ = manual.get();
    clock_ = std::move(manual);
  } else {
    clock_ = std::make_unique<store::RealClock>();
  }
  pinnable_clock_ = std::make_unique<store::PinnableClock>(clock_.get());
  store_ = std::make_unique<store::Store>(pinnable_clock_.get());
  engagement_ = std::make_unique<store::Engagement>(store_.get());
  triggers_ =
      std::make_unique<store::Triggers>(store_.get(), engagement_.get(), pinnable_clock_->NowMs());
  insight_ = std::make_unique<store::Insight>(store_.get());
  outbox_writer_ = std::make_unique<store::OutboxWriter>(&store_->outbox());
  triggers_->set_outbox(outbox_writer_.get());
  store_->outbox().set_listener(&blocked_readers_);
  RegisterConnectionCommands(commands_);
  RegisterClientCommands(commands_);
  RegisterServerCommands(commands_);
  RegisterIntrospectionCommands(commands_);
  RegisterDefinitionCommands(commands_);
  RegisterEngagementCommands(commands_);
  RegisterTriggerCommands(commands_);
  RegisterInsightCommands(commands_);
  RegisterScoringCommands(commands_);
  RegisterStreamReadCommands(commands_);
  RegisterStreamGroupCommands(commands_);
  RegisterStreamInfoCommands(commands_);
  RegisterAclCommands(commands_);
  acl_ = std::make_unique<Acl>(commands_);
  // A removed user's clients are logged out and disconnected once their reply is written.
  acl_->set_remove_hook([this](const AclUser& user) {
    for (auto& [id, session] : sessions_) {
      if (session->info().user != &user) continue;
      session->info().user = &acl_->default_user();
      session->info().authenticated = false;
      session->CloseAfterReply();
      session->ScheduleFlush();
    }
  });
  acl_->SetDefaultPassword(config_.requirepass);
  applied_requirepass_ = config_.requirepass;
  run_id_ = RandomHex(40);
  start_time_ms_ = clock_->NowMs();
  ApplyConfig();
}

Server::~Server() = default;

int64_t Server::uptime_seconds() const {
  return (pinnable_clock_->NowMs() - start_time_ms_) / 1000;
}

protocol::ParserLimits Server::ParserLimitsFor(bool authenticated) const {
  protocol::ParserLimits limits;
  limits.max_bulk_len = config_.proto_max_bulk_len;
  limits.max_query_buffer = static_cast<size_t>(config_.client_query_buffer_limit);
  limits.unauthenticated = auth_required() && !authenticated;
  return limits;
}

void Server::ApplyConfig() {
  // Only a change of requirepass resets the default user's passwords (as Redis's CONFIG SET).
  if (config_.requirepass != applied_requirepass_) {
    acl_->SetDefaultPassword(config_.requirepass);
    applied_requirepass_ = config_.requirepass;
  }
  acl_->log().Trim(static_cast<size_t>(config_.acllog_max_len));
  LogLevel level;
  if (ParseLogLevel(config_.loglevel, &level)) SetLogLevel(level);
  slowlog_.Trim(static_cast<size_t>(config_.slowlog_max_len));
  normal_output_limit_ = FindOutputLimit(config_.client_output_buffer_limit, "normal");
  monitor_output_limit_ = FindOutputLimit(config_.client_output_buffer_limit, "pubsub");
  store::StoreOptions options = store_->options();
  options.dedupe_window_ms = config_.dedupe_window_ms;
  options.dedupe_max_ids = config_.dedupe_max_ids;
  options.purchase_action = config_.purchase_action;
  store_->set_options(options);
  // message-cap "n window" (validated when set); empty = no cap.
  std::vector<std::string_view> cap = SplitNonEmpty(config_.message_cap, ' ');
  if (cap.size() == 2) {
    triggers_->set_message_cap(static_cast<uint64_t>(ParseInt(cap[0]).value_or(0)),
                               store::ParseDuration(cap[1]).value_or(0));
  } else {
    triggers_->set_message_cap(0, 0);
  }
  store_->outbox().set_max_len(static_cast<uint64_t>(config_.outbox_maxlen));
  // Validated by the config's enum (yes|eager|no).
  store::SetHugePageMode(
      store::HugePageModeNamed(config_.huge_pages).value_or(store::HugePageMode::kIdle));
  for (auto& [id, session] : sessions_) {
    // A password set at run time does not log out clients that are already connected.
    session->RefreshParserLimits();
  }
}

Session* Server::FindSession(uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() ? nullptr : it->second.get();
}

void Server::RemoveSession(uint64_t id) { sessions_.erase(id); }

void Server::AddMonitor(Session* s) {
  s->info().monitor = true;
  monitors_.push_back(s);
}

void Server::RemoveMonitor(Session* s) { std::erase(monitors_, s); }

void Server::FeedMonitors(const Session& from, std::span<const std::string_view> args) {
  std::string line = FormatMonitorLine(clock_->NowMs(), from.info().addr, args);
  // Copy: a slow monitor may be killed (and removed) while we iterate.
  std::vector<Session*> targets = monitors_;
  for (Session* m : targets) {
    if (m == &from || m->closing()) continue;
    m->output().Append(line);
    if (m->CloseIfOverOutputLimit()) continue;
    m->ScheduleFlush();
  }
}

bool Server::Listen(asio::ip::tcp::acceptor& acceptor, int64_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.bind, ec);
  if (ec) {
    LogWarning("Invalid bind address '", config_.bind, "': ", ec.message());
    return false;
  }
  asio::ip::tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(511, ec);
  if (ec) {
    LogWarning("Could not listen on ", config_.bind, ":", port, ": ", ec.message());
    return false;
  }
  return true;
}

bool Server::ListenAll() {
  // As Redis: port 0 means no plain listener (e.g. TLS only).
  if (config_.port > 0 && !Listen(acceptor_, config_.port)) return false;
  if (config_.tls_port > 0) {
    std::string error;
    tls_context_ = MakeTlsContext(config_, &error);
    if (!tls_context_) {
      LogWarning(error);
      std::fprintf(stderr, "%s\n", error.c_str());
      return false;
    }
    if (!Listen(tls_acceptor_, config_.tls_port)) return false;
  }
  return true;
}

void Server::Accept(asio::ip::tcp::acceptor& acceptor, bool tls) {
  if (!acceptor.is_open()) return;
  acceptor.async_accept(
      [this, &acceptor, tls](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
        OnAccept(ec, std::move(socket), acceptor, tls);
      });
}

void Server::OnAccept(const boost::system::error_code& ec, asio::ip::tcp::socket socket,
                      asio::ip::tcp::acceptor& acceptor, bool tls) {
  if (shutting_down_) return;
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    LogWarning("Accepting a client failed: ", ec.message());
    // Out of file descriptors and similar: retry shortly instead of spinning.
    auto retry = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(10));
    retry->async_wait(
        [this, retry, &acceptor, tls](const boost::system::error_code&) { Accept(acceptor, tls); });
    return;
  }
  ++stats_.total_connections_received;
  auto session = std::make_shared<Session>(*this, std::move(socket), next_client_id_++,
                                           tls ? tls_context_.get() : nullptr);
  boost::system::error_code peer_ec;
  auto peer = session->info().addr;
  if (static_cast<int64_t>(sessions_.size()) >= config_.maxclients) {
    ++stats_.rejected_connections;
    sessions_.emplace(session->info().id, session);
    session->RejectAndClose("ERR max number of clients reached");
  } else if (config_.protected_mode && acl_->default_user().nopass() &&
             !IsLoopback(asio::ip::make_address(peer.substr(0, peer.rfind(':')), peer_ec))) {
    ++stats_.rejected_connections;
    sessions_.emplace(session->info().id, session);
    session->RejectAndClose(
        "DENIED kizuna is running in protected mode because protected mode is enabled and no "
        "password is set for the default user. Set a password (requirepass) or disable "
        "protected-mode to accept connections from other hosts.");
  } else {
    sessions_.emplace(session->info().id, session);
    session->Start();
  }
  Accept(acceptor, tls);
}

void Server::CloseStalledHandshakes(store::TimeMs now) {
  std::vector<Session*> stalled;
  for (auto& [id, s] : sessions_) {
    if (s->handshaking() && now - s->info().created_ms > kTlsHandshakeTimeoutMs) {
      stalled.push_back(s.get());
    }
  }
  for (Session* s : stalled) {
    LogVerbose("TLS handshake with client id=", s->info().id, " addr=", s->info().addr,
               " timed out");
    s->Kill();
  }
}

void Server::Cron() {
  cron_timer_.expires_after(kCronPeriod);
  cron_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || shutting_down_) return;
    int64_t now = clock_->NowMs();
    int64_t wall = store::SystemNowMs();
    persistence_.Cron(wall);
    snapshotter_.Cron();
    timer_driver_.Cron();
    if (tls_context_) CloseStalledHandshakes(now);
    // Closing leaves the registry later (posted), so the loop may close.
    for (auto& [id, s] : sessions_) s->CloseIfEndHidden();
    if (wall - stats_.ops_sample_time_ms >= 1000) {
      uint64_t done = stats_.total_commands_processed - stats_.ops_sample_commands;
      stats_.instantaneous_ops_per_sec =
          stats_.ops_sample_time_ms == 0
              ? 0
              : static_cast<double>(done) * 1000.0 / (wall - stats_.ops_sample_time_ms);
      stats_.ops_sample_commands = stats_.total_commands_processed;
      stats_.ops_sample_time_ms = wall;
    }
    if (config_.timeout > 0) {
      std::vector<Session*> idle;
      for (auto& [id, s] : sessions_) {
        // As in Redis, a client waiting in a blocking read is not idle.
        if (!s->info().monitor && !s->blocked() &&
            now - s->info().last_interaction_ms > config_.timeout * 1000) {
          idle.push_back(s.get());
        }
      }
      for (Session* s : idle) s->Kill();
    }
    Cron();
  });
}

bool Server::RequestShutdown(std::optional<bool> save, bool force) {
  if (shutting_down_) return true;
  LogNotice("User requested shutdown...");
  snapshotter_.KillChild();
  // The log is flushed and fsynced whatever `save` says; NOSAVE skips only the snapshot.
  bool flushed = persistence_.FlushAndSync();
  if (save.value_or(!config_.save.empty()) && !loading_) {
    LogNotice("Saving the final snapshot before exiting.");
    std::string error;
    if (!snapshotter_.Save(&error)) {
      LogWarning("Error trying to save the DB: ", error);
      if (!force) return false;  // still serving: a later shutdown decides the exit code
      flushed = false;
    }
  }
  if (!flushed) exit_code_ = 1;
  SdNotify("STOPPING=1");
  shutting_down_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  tls_acceptor_.close(ignored);
  signals_.cancel(ignored);
  cron_timer_.cancel();
  timer_driver_.Stop();
  http_.Stop();
  reply_batch_.FlushNow();
  auto sessions = sessions_;
  for (auto& [id, s] : sessions) s->Kill();
  LogNotice("kizuna is now ready to exit, bye bye...");
  io_.stop();
  return true;
}

void Server::ContinueLoading() {
  if (shutting_down_) return;
  std::string error;
  LogLoader::Step step = persistence_.LoadSome(kLoadSlice, &error);
  if (step == LogLoader::Step::kMore) {
    // Let clients in between slices: they get -LOADING, INFO shows progress.
    boost::asio::post(io_, [this] { ContinueLoading(); });
    return;
  }
  if (step == LogLoader::Step::kDone) {
    // The replayed CONFIG SETs were history; from now on the configured values apply.
    CopyReplaySettings(startup_config_, config_);
    ApplyConfig();
    persistence_.NoteSettings(false);
#ifdef __GLIBC__
    // Loading frees buffers of megabytes (a snapshot's records, customer lists) that glibc,
    // its mmap threshold raised by earlier ones, kept in its heap, resident: give those pages
    // back (bench/restart_memory.sh in bench/RESULTS.md).
    malloc_trim(0);
#endif
  }
  if (step == LogLoader::Step::kDone && !config_.init_file.empty() &&
      !ApplyInitFile(*this, config_.init_file, &error)) {
    error = "Init file failed: " + error;
    step = LogLoader::Step::kFailed;
  }
  if (step == LogLoader::Step::kFailed) {
    LogWarning(error);
    std::fprintf(stderr, "%s\n", error.c_str());
    RequestShutdown(false);
    exit_code_ = 1;
    return;
  }
  loading_ = false;
  timer_driver_.Start(started_at_ms_);
  if (acceptor_.is_open()) LogNotice("Ready to accept connections tcp");
  if (tls_acceptor_.is_open()) LogNotice("Ready to accept connections tls");
  SdNotify("READY=1");
}

// Waking a sleeping server costs its clients: the kernel delivers loopback (and much LAN)
// input on the sender's core, and a wake-up there needs an inter-processor interrupt (on a
// VM, an exit to the hypervisor). After a turn that served several clients (replies to two
// or more went out in its ReplyBatch) more input is usually microseconds away, so the loop
// keeps polling (non-blocking epoll) for up to busy-poll µs, longer while input keeps coming,
// before it sleeps. A quiet server, or one serving a single client at a time, sleeps at once
// and burns nothing.
void Server::RunLoop() {
  using SteadyClock = std::chrono::steady_clock;
  while (!io_.stopped()) {
    const uint64_t written_before = reply_batch_.clients();
    if (!page_collapser_.pending(snapshotter_.in_progress())) {
      io_.run_one();  // sleeps until something is ready
    } else if (io_.run_one_for(PageCollapser::kQuiet) == 0) {
      if (!io_.stopped()) page_collapser_.OnQuiet();
      continue;
    }
    io_.poll();  // the rest of that turn
    ++stats_.eventloop_cycles;
    AfterTurn();
    if (config_.busy_poll <= 0 || reply_batch_.clients() - written_before < 2) continue;
    ++stats_.eventloop_busy_polls;
    auto window = std::chrono::microseconds(config_.busy_poll);
    auto until = SteadyClock::now() + window;
    while (!io_.stopped()) {
      if (io_.poll() > 0) {
        ++stats_.eventloop_cycles;
        AfterTurn();
        until = SteadyClock::now() + window;
      } else if (SteadyClock::now() >= until) {
        break;
      }
    }
  }
}

int Server::Run() {
  if (!config_.logfile.empty() && !SetLogFile(config_.logfile)) {
    std::fprintf(stderr, "Cannot open log file %s\n", config_.logfile.c_str());
    return 1;
  }
  LogNotice("kizuna ", kVersion, " starting, pid=", getpid(), ", clock=", config_.clock,
            config_.config_file.empty() ? "" : ", config file " + config_.config_file);
  started_at_ms_ = clock_->NowMs();
  snapshotter_.Init(started_at_ms_);
  std::string load_error;
  if (!persistence_.BeginLoad(&load_error)) {
    LogWarning(load_error);
    std::fprintf(stderr, "%s\n", load_error.c_str());
    return 1;
  }
  if (!config_.aclfile.empty()) {
    std::string acl_error;
    if (!acl_->LoadFile(config_.aclfile, &acl_error)) {
      LogWarning("Aborting kizuna startup because of ACL errors: ", acl_error);
      std::fprintf(stderr, "Aborting kizuna startup because of ACL errors: %s\n",
                   acl_error.c_str());
      return 1;
    }
  }
  RaiseFileLimit(config_.maxclients);
  if (!ListenAll()) return 1;
  if (config_.http_port > 0 && !http_.Listen(config_.bind, config_.http_port)) return 1;
  if (!config_.pidfile.empty()) {
    std::ofstream(config_.pidfile) << getpid() << "\n";
  }
  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    LogNotice("Received ", signo == SIGTERM ? "SIGTERM" : "SIGINT", " scheduling shutdown...");
    RequestShutdown(std::nullopt, /*force=*/true);  // a failed snapshot: exit code 1
  });
  LogNotice("Server initialized; listening on ", config_.bind, ":", config_.port,
            config_.tls_port > 0 ? StrCat(", TLS on port ", config_.tls_port) : "");
  Accept(acceptor_, false);
  Accept(tls_acceptor_, true);
  Cron();
  boost::asio::post(io_, [this] { ContinueLoading(); });
  RunLoop();
  if (!config_.pidfile.empty()) std::remove(config_.pidfile.c_str());
  return exit_code_;
}

}  // namespace kizuna::server
