// Money as the feeds carry it: decimal strings in yuan with at most two
// decimals, held as int64 fen. Pure; thread-safe.
#ifndef ENROL_COMMON_MONEY_H_
#define ENROL_COMMON_MONEY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace enrol {

// "400", "400.5", "400.00" -> fen. Rejects signs, exponents, more than two
// decimals and amounts over 10^12 yuan. The message omits the field name.
absl::StatusOr<int64_t> ParseYuan(std::string_view s);

// Non-negative decimal with at most two decimals ("3.5") -> hundredths.
absl::StatusOr<int64_t> ParseHundredths(std::string_view s);

std::string FormatFen(int64_t fen);  // "400.00"

}  // namespace enrol

#endif  // ENROL_COMMON_MONEY_H_
