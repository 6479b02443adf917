// Calendar dates and instants as the feeds and rules use them. All business
// dates are China Standard Time (UTC+8). Dates are carried in events as int32
// yyyymmdd. Pure functions; thread-safe.
#ifndef ENROL_COMMON_DATES_H_
#define ENROL_COMMON_DATES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace enrol {

using Date = absl::CivilDay;

// yyyymmdd <-> Date. FromYmd(0) is not meaningful; callers check for 0.
int32_t ToYmd(Date d);
Date FromYmd(int32_t ymd);

// Strict YYYY-MM-DD; nullopt unless it names a real calendar day.
std::optional<Date> ParseDate(std::string_view s);
std::string FormatDate(Date d);
std::string FormatYmd(int32_t ymd);  // "" for 0

// RFC 3339 with an explicit offset ("Z" or "+08:00"); nullopt otherwise.
std::optional<absl::Time> ParseTimestamp(std::string_view s);
std::string FormatTimestampCst(absl::Time t);

// The CST calendar day of an instant.
Date CstDay(absl::Time t);
absl::TimeZone Cst();

// Adds n months keeping the day of month, clamped to the month's last day
// (2025-11-30 + 3 -> 2026-02-28).
Date AddMonths(Date d, int n);
Date LastDayOfMonth(int64_t year, int month);

}  // namespace enrol

#endif  // ENROL_COMMON_DATES_H_
