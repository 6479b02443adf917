// Strong types for the values that cross module boundaries: log partitions and
// offsets. Dates are absl::CivilDay (see dates.h), money is int64 fen (see
// money.h). Value types; thread-compatible.
#ifndef ENROL_COMMON_TYPES_H_
#define ENROL_COMMON_TYPES_H_

#include <compare>
#include <cstdint>

namespace enrol {

// A partition of the log. Persons are assigned to partitions by key hash.
struct Partition {
  int32_t value = 0;
  auto operator<=>(const Partition&) const = default;
};

// A position within one partition of the log; the first event is at 0.
struct Offset {
  int64_t value = 0;
  auto operator<=>(const Offset&) const = default;
};

// Money in fen (1/100 yuan).
struct Fen {
  int64_t value = 0;
  auto operator<=>(const Fen&) const = default;
};

}  // namespace enrol

#endif  // ENROL_COMMON_TYPES_H_
