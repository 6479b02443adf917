#include "common/dates.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace enrol {

int32_t ToYmd(Date d) {
  return static_cast<int32_t>(d.year() * 10000 + d.month() * 100 + d.day());
}

Date FromYmd(int32_t ymd) { return Date(ymd / 10000, (ymd / 100) % 100, ymd % 100); }

static bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

static int ToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

std::optional<Date> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  std::string_view y = s.substr(0, 4), m = s.substr(5, 2), d = s.substr(8, 2);
  if (!AllDigits(y) || !AllDigits(m) || !AllDigits(d)) return std::nullopt;
  int yy = ToInt(y), mm = ToInt(m), dd = ToInt(d);
  if (yy < 1900 || mm < 1 || mm > 12 || dd < 1) return std::nullopt;
  Date day(yy, mm, dd);
  // CivilDay normalises out-of-range fields; a real day round-trips.
  if (day.year() != yy || day.month() != mm || day.day() != dd) return std::nullopt;
  return day;
}

std::string FormatDate(Date d) {
  // On the hot path of every derived year: no format parsing.
  const int64_t y = d.year();
  if (y < 0 || y > 9999) return absl::StrFormat("%04d-%02d-%02d", y, d.month(), d.day());
  char buf[10] = {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
                  static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10), '-',
                  static_cast<char>('0' + d.month() / 10), static_cast<char>('0' + d.month() % 10), '-',
                  static_cast<char>('0' + d.day() / 10), static_cast<char>('0' + d.day() % 10)};
  return std::string(buf, sizeof buf);
}

std::string FormatYmd(int32_t ymd) { return ymd == 0 ? std::string() : FormatDate(FromYmd(ymd)); }

absl::TimeZone Cst() {
  // absl::FixedTimeZone looks its zone up under a lock on every call.
  static const absl::TimeZone* const kCst = new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  return *kCst;
}

namespace {

constexpr int64_t kCstOffsetSeconds = 8 * 3600;
constexpr int64_t kSecondsPerDay = 86400;

// The common form, YYYY-MM-DDTHH:MM:SS(Z|+HH:MM|-HH:MM) with every field in
// its everyday range, by arithmetic; nullopt for anything else (fractions, a
// leap second), which absl::ParseTime then decides. `day` is a valid date.
std::optional<absl::Time> ParseCommonTimestamp(std::string_view s, Date day) {
  if (s.size() != 20 && s.size() != 25) return std::nullopt;
  auto two = [&](size_t i) { return (s[i] - '0') * 10 + (s[i + 1] - '0'); };
  const int hh = two(11), mi = two(14), ss = two(17);
  if (hh > 23 || mi > 59 || ss > 59) return std::nullopt;
  int64_t offset = 0;
  if (s.size() == 25) {
    const int oh = two(20), om = two(23);
    if (oh > 23 || om > 59) return std::nullopt;
    offset = (oh * 3600 + om * 60) * (s[19] == '-' ? -1 : 1);
  }
  const int64_t days = day - Date(1970, 1, 1);
  return absl::FromUnixSeconds(days * kSecondsPerDay + hh * 3600 + mi * 60 + ss - offset);
}

}  // namespace

std::optional<absl::Time> ParseTimestamp(std::string_view s) {
  // RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM).
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't')) return std::nullopt;
  const std::optional<Date> day = ParseDate(s.substr(0, 10));
  if (!day) return std::nullopt;
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  if (!digit(11) || !digit(12) || s[13] != ':' || !digit(14) || !digit(15) || s[16] != ':' ||
      !digit(17) || !digit(18)) {
    return std::nullopt;
  }
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return std::nullopt;
    while (digit(i)) ++i;
  }
  std::string_view zone = s.substr(i);
  const bool utc = zone == "Z" || zone == "z";
  const bool offset = zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && digit(i + 1) &&
                      digit(i + 2) && zone[3] == ':' && digit(i + 4) && digit(i + 5);
  if (!utc && !offset) return std::nullopt;
  if (i == 19) {
    if (std::optional<absl::Time> t = ParseCommonTimestamp(s, *day)) return t;
  }
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(s), &t, &err)) return std::nullopt;
  return t;
}

std::string FormatTimestampCst(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%S+08:00", t, Cst());
}

Date CstDay(absl::Time t) {
  // China Standard Time is a fixed UTC+8 (Cst()): the day by arithmetic.
  const int64_t local = absl::ToUnixSeconds(t) + kCstOffsetSeconds;  // rounds toward the past
  const int64_t days = local / kSecondsPerDay - (local % kSecondsPerDay < 0 ? 1 : 0);
  return Date(1970, 1, 1) + days;
}

Date LastDayOfMonth(int64_t year, int month) {
  if (month < 1 || month > 12) return Date(absl::CivilMonth(year, month) + 1) - 1;  // normalised
  // The rules ask this for every year of every person: one normalisation
  // (building the day) instead of three.
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return Date(year, month, kDays[month - 1] + (month == 2 && leap ? 1 : 0));
}

Date AddMonths(Date d, int n) {
  absl::CivilMonth m = absl::CivilMonth(d) + n;
  Date last = LastDayOfMonth(m.year(), m.month());
  int day = d.day() < last.day() ? d.day() : last.day();
  return Date(m.year(), m.month(), day);
}

}  // namespace enrol
