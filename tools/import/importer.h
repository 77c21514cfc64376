// Importer: reads every input, validates each row and sends the good ones as
// `EVENT ... IMPORT` pipelined on one connection (up to `window` replies outstanding), then
// works out the summary.
//
// Duplicates. EVENT's reply (the customer's total) does not say whether the server skipped the
// event as a repeated ID, so the importer reads the server's own counters (INFO scoring:
// `events` counts applied events, `events_deduped` skipped ones) before the first and after
// the last reply, on the same connection, so both readings bracket exactly our EVENTs:
//   duplicates = Δevents_deduped, imported = accepted − duplicates,
// and Δevents + Δevents_deduped == accepted proves no other client's events fell inside the
// bracket. If that check fails (other writers were active, or a FLUSHALL reset the counters)
// the summary says the split is approximate. A user whose ACL refuses INFO still imports;
// the summary then says duplicates are unknown.
//
// Re-runs. The server remembers the last `dedupe-max-ids` ids of each customer (default 16,
// store/dedupe.h), so a re-run is a no-op only for customers with at most that many rows with
// ids; the importer counts the others and warns, naming the setting that would cover them.
#ifndef KIZUNA_TOOLS_IMPORT_IMPORTER_H_
#define KIZUNA_TOOLS_IMPORT_IMPORTER_H_

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "tools/import/import_options.h"

namespace kizuna::import {

struct ImportSummary {
  uint64_t rows = 0;           // data rows read (blank lines and headers excluded)
  uint64_t accepted = 0;       // EVENTs the server answered without an error
  uint64_t imported = 0;       // of those, applied
  uint64_t duplicates = 0;     // of those, skipped as a repeated ID
  uint64_t invalid = 0;        // rows that failed our checks (never sent)
  uint64_t refused = 0;        // rows the server answered with an error
  bool counters_exact = true;  // false: other clients' events fell inside the bracket
  // Customers with more rows carrying an id than the server's dedupe remembers per customer
  // (id_bound): re-running the import would apply their older rows again.
  uint64_t customers_over_id_bound = 0;
  uint64_t id_bound = 0;
  uint64_t most_ids_of_one_customer = 0;  // the dedupe-max-ids that would cover every customer
  bool duplicates_known = true;           // false: the user may not run INFO (ACL)
  bool stopped = false;                   // --strict stopped at a bad row
  std::optional<std::string> error;       // a fatal problem (the import did not finish)
  double seconds = 0;

  uint64_t rejected() const { return invalid + refused; }
};

// Runs the whole import. Bad rows and progress go to `err`; nothing goes to stdout.
ImportSummary RunImport(const ImportOptions& options, bool stderr_is_tty, FILE* err);

// Prints the summary (stdout) in `key: value` lines; returns the exit status.
int PrintSummary(const ImportSummary& s, const ImportOptions& options, FILE* out, FILE* err);

}  // namespace kizuna::import

#endif  // KIZUNA_TOOLS_IMPORT_IMPORTER_H_
