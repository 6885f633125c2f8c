// Exact accounting of one stream's sequence numbers at a receiver: received, duplicated and
// reordered frames. A bitmap window of the last kWindow sequence numbers behind the highest
// one seen tells a duplicate from a late frame. A frame older than the window is counted as
// received and reordered but cannot be checked for duplication (it is assumed unique): with a
// window of 2^20 frames that takes a frame delayed by over a million others.
//
// With `sent` known from the sender, lost = sent - unique, where unique = received - duplicated.
#pragma once

#include <cstdint>
#include <vector>

namespace cnfctl::trafficgen {

struct SequenceCounts {
  std::uint64_t received = 0;       // every frame of the stream, duplicates included
  std::uint64_t duplicated = 0;     // frames whose sequence number was already seen
  std::uint64_t reordered = 0;      // unique frames that arrived after a higher sequence number
  std::uint64_t beyond_window = 0;  // of those, older than the window (not checked for dups)

  std::uint64_t unique() const { return received - duplicated; }
  /// sent - unique, or 0 when more unique frames came than were sent (which is a bug).
  std::uint64_t lost(std::uint64_t sent) const { return sent > unique() ? sent - unique() : 0; }
};

class SequenceWindow {
 public:
  static constexpr std::uint64_t kWindow = std::uint64_t{1} << 20;

  SequenceWindow() : bits_(kWindow / 64, 0) {}

  /// Accounts one received frame with sequence number `seq`.
  void add(std::uint64_t seq) {
    ++counts_.received;
    if (!any_ || seq > highest_) {
      advance_to(seq);
      set(seq);
      return;
    }
    if (highest_ - seq >= kWindow) {
      ++counts_.reordered;
      ++counts_.beyond_window;
      return;
    }
    if (test(seq)) {
      ++counts_.duplicated;
      return;
    }
    set(seq);
    ++counts_.reordered;
  }
  void reset();

  const SequenceCounts& counts() const { return counts_; }
  /// The highest sequence number seen (0 when none).
  std::uint64_t highest() const { return highest_; }

 private:
  void advance_to(std::uint64_t seq);
  bool test(std::uint64_t seq) const {
    return (bits_[(seq / 64) % bits_.size()] >> (seq % 64)) & 1U;
  }
  void set(std::uint64_t seq) {
    bits_[(seq / 64) % bits_.size()] |= std::uint64_t{1} << (seq % 64);
  }

  std::vector<std::uint64_t> bits_;
  SequenceCounts counts_;
  std::uint64_t highest_ = 0;
  bool any_ = false;
};

}  // namespace cnfctl::trafficgen
