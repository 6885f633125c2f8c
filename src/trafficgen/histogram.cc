#include "trafficgen/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace cnfctl::trafficgen {

int Histogram::index_of(std::uint64_t value) {
  constexpr std::uint64_t kLimit = (std::uint64_t{1} << (kMaxBits + 1)) - 1;
  value = std::min(value, kLimit);
  if (value < 2 * kHalf) return static_cast<int>(value);
  const int msb = 63 - std::countl_zero(value);
  const int shift = msb - (kSubBits - 1);  // >= 1
  return shift * kHalf + static_cast<int>(value >> shift);
}

std::uint64_t Histogram::lowest_of(int index) {
  if (index < 2 * kHalf) return static_cast<std::uint64_t>(index);
  const int shift = index / kHalf - 1;
  const auto sub = static_cast<std::uint64_t>(index - shift * kHalf);
  return sub << shift;
}

std::uint64_t Histogram::highest_of(int index) {
  if (index < 2 * kHalf) return static_cast<std::uint64_t>(index);
  const int shift = index / kHalf - 1;
  return lowest_of(index) + (std::uint64_t{1} << shift) - 1;
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::reset() {
  *this = Histogram();
}

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_);
}

std::uint64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int index = static_cast<int>(i);
      const std::uint64_t middle = lowest_of(index) + (highest_of(index) - lowest_of(index)) / 2;
      return std::clamp(middle, min(), max_);
    }
  }
  return max_;
}

LatencySummary Histogram::summary() const {
  LatencySummary s;
  s.count = count_;
  if (count_ == 0) return s;
  s.min = min();
  s.mean = mean();
  s.p50 = percentile(50);
  s.p90 = percentile(90);
  s.p99 = percentile(99);
  s.p999 = percentile(99.9);
  s.max = max_;
  return s;
}

}  // namespace cnfctl::trafficgen
