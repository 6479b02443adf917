// A value for each calendar month of one contiguous span, kept in a vector:
// the employee rules' months (a person's employee history is a few hundred
// months, read many times over). A month outside the span reads as T{}.
// Indexing by `m - first` does no civil-time normalisation, which the
// months' `std::map` and `++month` spent a tenth of a replay on.
// Not thread-safe for writes; concurrent const reads are safe.
#ifndef ENROL_PROJECTIONS_MONTH_MAP_H_
#define ENROL_PROJECTIONS_MONTH_MAP_H_

#include <cstdint>
#include <vector>

#include "absl/time/civil_time.h"

namespace enrol {

template <typename T>
class MonthMap {
 public:
  using Month = absl::CivilMonth;

  bool empty() const { return values_.empty(); }
  // The span; only meaningful when !empty().
  Month first() const { return first_; }
  Month last() const { return first_ + (size() - 1); }
  int64_t size() const { return static_cast<int64_t>(values_.size()); }

  // The value of month `first() + i`, for 0 <= i < size().
  const T& at_index(int64_t i) const { return values_[static_cast<size_t>(i)]; }
  T& at_index(int64_t i) { return values_[static_cast<size_t>(i)]; }
  // The value at index i, or T{} outside the span.
  T GetAt(int64_t i) const { return i >= 0 && i < size() ? values_[static_cast<size_t>(i)] : T{}; }
  // The index of `m` against first(); may fall outside [0, size()).
  int64_t index(Month m) const { return m - first_; }
  bool contains(Month m) const {
    const int64_t i = index(m);
    return !empty() && i >= 0 && i < size();
  }

  // The month's value, or nullptr outside the span.
  const T* Find(Month m) const { return contains(m) ? &values_[static_cast<size_t>(index(m))] : nullptr; }
  T* Find(Month m) { return contains(m) ? &values_[static_cast<size_t>(index(m))] : nullptr; }
  // The month's value, or T{} outside the span.
  T Get(Month m) const {
    const T* v = Find(m);
    return v == nullptr ? T{} : *v;
  }
  // The month's value, the span grown to take it in.
  T& operator[](Month m) {
    Cover(m, m);
    return values_[static_cast<size_t>(index(m))];
  }
  // Sets every month of [from, to]; nothing when to < from.
  void Set(Month from, Month to, const T& v) {
    if (to < from) return;
    Cover(from, to);
    const int64_t a = index(from), b = index(to);
    for (int64_t i = a; i <= b; ++i) values_[static_cast<size_t>(i)] = v;
  }
  // Grows the span to take in [from, to] (from <= to), new months T{}.
  void Cover(Month from, Month to) {
    if (empty()) {
      first_ = from;
      values_.resize(static_cast<size_t>(to - from + 1));
      return;
    }
    if (from < first_) {
      values_.insert(values_.begin(), static_cast<size_t>(first_ - from), T{});
      first_ = from;
    }
    if (index(to) >= size()) values_.resize(static_cast<size_t>(index(to) + 1));
  }

 private:
  Month first_;
  std::vector<T> values_;
};

}  // namespace enrol

#endif  // ENROL_PROJECTIONS_MONTH_MAP_H_
