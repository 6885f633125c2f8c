#include "trafficgen/sequence.h"

#include <algorithm>

namespace cnfctl::trafficgen {

void SequenceWindow::reset() {
  std::fill(bits_.begin(), bits_.end(), 0);
  counts_ = SequenceCounts{};
  highest_ = 0;
  any_ = false;
}

// Clears the bits of every sequence number in (highest_, seq]: they become the new front of the
// window, and the numbers they held (older than the window now) are forgotten.
void SequenceWindow::advance_to(std::uint64_t seq) {
  const std::uint64_t first = any_ ? highest_ + 1 : 0;
  if (!any_ && seq < kWindow) {
    // The bitmap starts cleared: nothing to forget.
  } else if (seq - first + 1 >= kWindow) {
    std::fill(bits_.begin(), bits_.end(), 0);
  } else {
    std::uint64_t s = first;
    // Bit by bit up to a word boundary, then whole words, then the rest.
    while (s <= seq && s % 64 != 0) {
      bits_[(s / 64) % bits_.size()] &= ~(std::uint64_t{1} << (s % 64));
      ++s;
    }
    while (s + 63 <= seq) {
      bits_[(s / 64) % bits_.size()] = 0;
      s += 64;
    }
    while (s <= seq) {
      bits_[(s / 64) % bits_.size()] &= ~(std::uint64_t{1} << (s % 64));
      ++s;
    }
  }
  highest_ = seq;
  any_ = true;
}

}  // namespace cnfctl::trafficgen
