#include "common/money.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"

namespace enrol {

absl::StatusOr<int64_t> ParseHundredths(std::string_view s) {
  if (s.empty()) return absl::InvalidArgumentError("must be a decimal number, got an empty string");
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  auto digits = [](std::string_view v) {
    for (char c : v) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (whole.empty() || !digits(whole) || !digits(frac) ||
      (dot != std::string_view::npos && frac.empty())) {
    return absl::InvalidArgumentError(
        absl::StrFormat("must be a non-negative decimal like \"400.00\", got \"%s\"", s));
  }
  if (frac.size() > 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("has more than 2 decimals: \"%s\"", s));
  }
  if (whole.size() > 12) {
    return absl::InvalidArgumentError(absl::StrFormat("is too large: \"%s\"", s));
  }
  int64_t v = 0;
  for (char c : whole) v = v * 10 + (c - '0');
  int64_t f = 0;
  for (size_t i = 0; i < 2; ++i) f = f * 10 + (i < frac.size() ? frac[i] - '0' : 0);
  return v * 100 + f;
}

absl::StatusOr<int64_t> ParseYuan(std::string_view s) { return ParseHundredths(s); }

std::string FormatFen(int64_t fen) {
  const char* sign = fen < 0 ? "-" : "";
  int64_t a = fen < 0 ? -fen : fen;
  return absl::StrFormat("%s%d.%02d", sign, a / 100, a % 100);
}

}  // namespace enrol
