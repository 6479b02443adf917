// Resident ID numbers (GB 11643-1999) and area codes. Pure; thread-safe.
#ifndef ENROL_COMMON_IDS_H_
#define ENROL_COMMON_IDS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/dates.h"

namespace enrol {

// OK when s is 18 characters: 17 digits with a valid birth date (digits 7-14)
// and the GB 11643 check digit ('0'-'9' or 'X'). The error message says what is
// wrong, without the field name.
absl::Status ValidateIdNumber(std::string_view s);

// The check character for the first 17 digits.
char IdCheckCharacter(std::string_view first17);

// The birth date encoded in a valid ID number.
Date BirthDateFromId(std::string_view id);

// 17th digit odd: male.
bool IsMaleId(std::string_view id);

// OK when s is a 6-digit area code.
absl::Status ValidateAreaCode(std::string_view s);

// "532501" -> "532500": the prefecture-level pooling region.
std::string PoolOf(std::string_view area_code);

}  // namespace enrol

#endif  // ENROL_COMMON_IDS_H_
