// Server: owns the event loop, the listener, the client registry, the clock and the store,
// and the process-wide statistics. Everything runs on one thread: commands execute one at a
// time, in arrival order per client, with no locks (the store is not thread-safe by design).
#ifndef KIZUNA_SERVER_SERVER_H_
#define KIZUNA_SERVER_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/request_parser.h"
#include "server/acl/acl.h"
#include "server/blocked_readers.h"
#include "server/command_table.h"
#include "server/command_timer.h"
#include "server/config.h"
#include "server/http/http_server.h"
#include "server/page_collapser.h"
#include "server/persistence.h"
#include "server/reply_batch.h"
#include "server/slowlog.h"
#include "server/snapshotter.h"
#include "server/timer_driver.h"
#include "server/tls_context.h"
#include "store/clock.h"
#include "store/engagement.h"
#include "store/insight.h"
#include "store/store.h"
#include "store/stream/outbox_writer.h"
#include "store/triggers.h"

namespace kizuna::server {

class Session;

struct ServerStats {
  uint64_t total_connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_commands_processed = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  // Event-loop turns that ran handlers, and the turns after which the loop kept polling
  // instead of sleeping (busy-poll).
  uint64_t eventloop_cycles = 0;
  uint64_t eventloop_busy_polls = 0;
  // Looks for a FIN that came with the bytes of a short read (Session::CloseIfEndHidden), and
  // the clients they found ended.
  uint64_t eof_peeks = 0;
  uint64_t eof_peek_closes = 0;
  // instantaneous_ops_per_sec: commands counted over the last sampling period.
  uint64_t ops_sample_commands = 0;
  int64_t ops_sample_time_ms = 0;
  double instantaneous_ops_per_sec = 0;
};

class Server {
 public:
  static constexpr std::string_view kVersion = "0.1.0";
  // Redis version reported to clients that check it (INFO redis_version, HELLO is ours).
  static constexpr std::string_view kRedisCompatVersion = "7.2.0";

  explicit Server(Config config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the init file, binds, serves until shutdown. Returns the process exit code.
  int Run();

  boost::asio::io_context& io() { return io_; }
  store::Store& store() { return *store_; }
  store::Engagement& engagement() { return *engagement_; }
  store::Triggers& triggers() { return *triggers_; }
  store::Insight& insight() { return *insight_; }
  store::Clock& clock() { return *pinnable_clock_; }
  // For log replay: the clock reads the recorded time of the command being replayed.
  store::PinnableClock& pinnable_clock() { return *pinnable_clock_; }
  // Non-null only with --clock manual.
  store::ManualClock* manual_clock() { return manual_clock_; }
  Config& config() { return config_; }
  const Config& config() const { return config_; }
  CommandTable& commands() { return commands_; }
  // ACL users, permission checks and ACL LOG.
  Acl& acl() { return *acl_; }
  Slowlog& slowlog() { return slowlog_; }
  Persistence& persistence() { return persistence_; }
  TimerDriver& timer_driver() { return timer_driver_; }
  Snapshotter& snapshotter() { return snapshotter_; }
  // Clients waiting in XREAD/XREADGROUP BLOCK.
  BlockedReaders& blocked_readers() { return blocked_readers_; }
  ReplyBatch& reply_batch() { return reply_batch_; }
  CommandTimer& command_timer() { return command_timer_; }
  ServerStats& stats() { return stats_; }
  const std::string& run_id() const { return run_id_; }
  int64_t start_time_ms() const { return start_time_ms_; }
  int64_t uptime_seconds() const;

  // Re-derives runtime state from config() after CONFIG SET (limits, log level, store
  // options, slowlog length, client parser limits).
  void ApplyConfig();
  // Parser limits for a client, depending on whether it has authenticated.
  protocol::ParserLimits ParserLimitsFor(bool authenticated) const;
  // Whether new clients must AUTH: the default user has a password or is off (as Redis).
  bool auth_required() const {
    const AclUser& def = acl_->default_user();
    return !def.nopass() || !def.enabled();
  }
  // client-output-buffer-limit for ordinary clients, and for MONITOR clients (whose output
  // is a push stream, like pub/sub, so they take the pubsub class).
  const OutputLimit& output_limit(bool monitor) const {
    return monitor ? monitor_output_limit_ : normal_output_limit_;
  }

  // Client registry, ordered by id (CLIENT LIST order).
  const std::map<uint64_t, std::shared_ptr<Session>>& sessions() const { return sessions_; }
  Session* FindSession(uint64_t id);
  void RemoveSession(uint64_t id);

  // MONITOR: sessions that receive every executed command.
  void AddMonitor(Session* s);
  void RemoveMonitor(Session* s);
  bool has_monitors() const { return !monitors_.empty(); }
  void FeedMonitors(const Session& from, std::span<const std::string_view> args);

  // Graceful stop (SHUTDOWN, SIGTERM): stop accepting, flush, snapshot, exit the loop.
  // `save`: nullopt = if `save` is configured, true = SAVE, false = NOSAVE. Returns false
  // (and keeps running) when the snapshot fails, unless `force`.
  bool RequestShutdown(std::optional<bool> save, bool force = false);
  bool shutting_down() const { return shutting_down_; }
  // True until the logs are replayed and the init file applied: data commands get -LOADING.
  bool loading() const { return loading_; }

 private:
  bool Listen(boost::asio::ip::tcp::acceptor& acceptor, int64_t port);
  // Opens the plain port (unless 0) and the TLS port (if set); false after logging why.
  bool ListenAll();
  // `tls`: clients of this acceptor speak TLS (tls-port).
  void Accept(boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  void OnAccept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket,
                boost::asio::ip::tcp::acceptor& acceptor, bool tls);
  // Closes TLS clients whose handshake has not finished within kTlsHandshakeTimeoutMs.
  void CloseStalledHandshakes(store::TimeMs now);
  void Cron();
  void ContinueLoading();
  // io_.run(), polling for a while after busy turns (busy-poll) instead of sleeping at once,
  // and putting memory on huge pages when quiet (PageCollapser).
  void RunLoop();
  void AfterTurn() {
    page_collapser_.AfterTurn(stats_.total_commands_processed, snapshotter_.in_progress());
  }

  Config config_;
  // As started (file and flags): replay moves the replay settings, loading restores them.
  Config startup_config_;
  boost::asio::io_context io_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::ip::tcp::acceptor tls_acceptor_;
  std::unique_ptr<boost::asio::ssl::context> tls_context_;  // set when tls-port is
  boost::asio::signal_set signals_;
  boost::asio::steady_timer cron_timer_;
  std::unique_ptr<store::Clock> clock_;
  std::unique_ptr<store::PinnableClock> pinnable_clock_;
  store::ManualClock* manual_clock_ = nullptr;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::Engagement> engagement_;       // badges and segments
  std::unique_ptr<store::Triggers> triggers_;           // observes store_, drives engagement_
  std::unique_ptr<store::Insight> insight_;             // daily series, STATS queries
  std::unique_ptr<store::OutboxWriter> outbox_writer_;  // triggers_ -> store_->outbox()
  CommandTable commands_;
  std::unique_ptr<Acl> acl_;
  std::string applied_requirepass_;  // requirepass last given to the default user
  Slowlog slowlog_;
  Persistence persistence_{*this};
  TimerDriver timer_driver_{*this};
  Snapshotter snapshotter_{*this};
  HttpServer http_{*this};
  store::TimeMs started_at_ms_ = 0;  // clock at start: timers due before it fire late
  BlockedReaders blocked_readers_{*this};
  ReplyBatch reply_batch_{io_};
  PageCollapser page_collapser_;
  CommandTimer command_timer_;
  ServerStats stats_;
  std::map<uint64_t, std::shared_ptr<Session>> sessions_;
  std::vector<Session*> monitors_;
  uint64_t next_client_id_ = 1;
  std::string run_id_;
  int64_t start_time_ms_ = 0;
  bool shutting_down_ = false;
  bool loading_ = true;
  OutputLimit normal_output_limit_;
  OutputLimit monitor_output_limit_;
  int exit_code_ = 0;
};

}  // namespace kizuna::server

#endif  // KIZUNA_SERVER_SERVER_H_
