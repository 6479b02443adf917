#include "ledger/log.h"


#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace enrol {

std::string NewRunId() {
  std::random_device rd;
  return absl::StrFormat("%016x-%08x", absl::ToUnixMicros(absl::Now()), rd());
}

absl::Status Log::ScanFacts(Partition p, Offset from, size_t max_events,
                            const std::function<void(const std::string&, StoredFact&)>& fn) {
  std::vector<LogEntry> entries;
  if (auto s = Read(p, from, max_events, &entries); !s.ok()) return s;
  for (const LogEntry& e : entries) {
    StoredFact f = FactOfEvent(e.event, e.offset.value);
    fn(e.event.person(), f);
  }
  return absl::OkStatus();
}

}  // namespace enrol
