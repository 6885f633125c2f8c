// A latency histogram in the manner of HdrHistogram (Debian packages HdrHistogram for Java and
// Go only): log-linear buckets, 256 linear sub-buckets per power of two, so any recorded value is
// reported within 1/128 (< 0.8 %) of itself. Values are nanoseconds (any unsigned integer unit
// works). Recording is a shift, a count-leading-zeros and an increment: cheap enough for every
// received frame. Exact minimum, maximum and mean are kept beside the buckets.
#pragma once

#include <array>
#include <cstdint>

namespace cnfctl::trafficgen {

/// min, mean, percentiles and max of a histogram; all 0 when it is empty.
struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t min = 0;
  double mean = 0;
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t p999 = 0;
  std::uint64_t max = 0;

  bool operator==(const LatencySummary&) const = default;
};

class Histogram {
 public:
  static constexpr int kSubBits = 8;                 // 256 linear values per bucket
  static constexpr int kHalf = 1 << (kSubBits - 1);  // 128
  static constexpr int kMaxBits = 42;                // values past 2^43 ns are clamped
  static constexpr int kBuckets = (kMaxBits - kSubBits + 3) * kHalf;

  /// The bucket index of `value` (values past 2^kMaxBits land in the last bucket).
  static int index_of(std::uint64_t value);
  /// The smallest value of bucket `index`, and the largest.
  static std::uint64_t lowest_of(int index);
  static std::uint64_t highest_of(int index);

  void record(std::uint64_t value) {
    ++counts_[static_cast<std::size_t>(index_of(value))];
    ++count_;
    sum_ += value;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  /// Adds every value recorded in `other`.
  void merge(const Histogram& other);
  void reset();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;
  /// The value at percentile `p` (0 < p <= 100): the middle of the bucket holding the
  /// ceil(p/100 * count)-th smallest value, clamped to [min, max]. 0 when empty.
  std::uint64_t percentile(double p) const;
  LatencySummary summary() const;

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace cnfctl::trafficgen
