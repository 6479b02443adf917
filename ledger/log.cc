#include "ledger/log.h"

namespace enrol {

absl::Status Log::Scan(Partition p, Offset from, size_t max_events,
                       const std::function<void(Offset, const v1::Event&)>& fn) {
  std::vector<LogEntry> entries;
  if (auto s = Read(p, from, max_events, &entries); !s.ok()) return s;
  for (const LogEntry& e : entries) fn(e.offset, e.event);
  return absl::OkStatus();
}

}  // namespace enrol
