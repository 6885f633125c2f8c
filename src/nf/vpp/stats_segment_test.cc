#include "nf/vpp/stats_segment.h"

#include <gtest/gtest.h>

#include <cstring>

#include "common/error.h"

namespace cnfctl::vpp {
namespace {

// Builds a segment laid out as VPP lays it out (header, vectors with 8-byte headers, pointers
// in VPP's address space starting at kBase).
class SegmentBuilder {
 public:
  static constexpr std::uint64_t kBase = 0x7f0000000000;

  SegmentBuilder() : bytes_(40, std::byte{0}) { put64(8, kBase); }

  // A vector of `count` elements of `size` bytes; returns its VPP address.
  std::uint64_t vec(std::uint32_t count, std::size_t size) {
    align();
    const std::size_t header = bytes_.size();
    bytes_.resize(header + 8 + count * size, std::byte{0});
    std::memcpy(bytes_.data() + header, &count, 4);
    return kBase + header + 8;
  }
  void put64(std::uint64_t offset, std::uint64_t value) {
    std::memcpy(bytes_.data() + offset, &value, 8);
  }
  void put_at(std::uint64_t address, std::uint64_t value) { put64(address - kBase, value); }
  std::uint64_t string(const std::string& s) {
    const auto at = vec(static_cast<std::uint32_t>(s.size() + 1), 1);
    std::memcpy(bytes_.data() + (at - kBase), s.c_str(), s.size() + 1);
    return at;
  }
  // Per-thread simple counters: threads[t][i].
  std::uint64_t simple(const std::vector<std::vector<std::uint64_t>>& threads) {
    const auto outer = vec(static_cast<std::uint32_t>(threads.size()), 8);
    for (std::size_t t = 0; t < threads.size(); ++t) {
      const auto inner = vec(static_cast<std::uint32_t>(threads[t].size()), 8);
      for (std::size_t i = 0; i < threads[t].size(); ++i) put_at(inner + 8 * i, threads[t][i]);
      put_at(outer + 8 * t, inner);
    }
    return outer;
  }
  std::uint64_t combined(const std::vector<std::vector<std::uint64_t>>& packets) {
    const auto outer = vec(static_cast<std::uint32_t>(packets.size()), 8);
    for (std::size_t t = 0; t < packets.size(); ++t) {
      const auto inner = vec(static_cast<std::uint32_t>(packets[t].size()), 16);
      for (std::size_t i = 0; i < packets[t].size(); ++i) {
        put_at(inner + 16 * i, packets[t][i]);
        put_at(inner + 16 * i + 8, packets[t][i] * 64);
      }
      put_at(outer + 8 * t, inner);
    }
    return outer;
  }
  std::uint64_t names(const std::vector<std::string>& list) {
    std::vector<std::uint64_t> strings;
    for (const auto& s : list) strings.push_back(s.empty() ? 0 : string(s));
    const auto v = vec(static_cast<std::uint32_t>(list.size()), 8);
    for (std::size_t i = 0; i < strings.size(); ++i) put_at(v + 8 * i, strings[i]);
    return v;
  }
  struct Entry {
    StatType type;
    std::uint64_t value;
    std::string name;
  };
  void directory(const std::vector<Entry>& entries) {
    const auto dir = vec(static_cast<std::uint32_t>(entries.size()), 144);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto e = dir - kBase + 144 * i;
      const auto type = static_cast<std::uint32_t>(entries[i].type);
      std::memcpy(bytes_.data() + e, &type, 4);
      put64(e + 8, entries[i].value);
      std::memcpy(bytes_.data() + e + 16, entries[i].name.c_str(), entries[i].name.size() + 1);
    }
    put64(32, dir);
  }
  std::span<const std::byte> span() const { return bytes_; }
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  void align() {
    while (bytes_.size() % 8 != 0) bytes_.push_back(std::byte{0});
  }
  std::vector<std::byte> bytes_;
};

SegmentBuilder two_thread_segment() {
  SegmentBuilder b;
  const auto names = b.names({"local0", "memif1/1", "", "memif2/1"});
  const auto rx = b.combined({{0, 100, 0, 7}, {0, 50, 0, 3}});
  const auto drops = b.simple({{0, 1, 0, 2}, {0, 1, 0, 0}});
  const auto err = b.simple({{5}, {6}});
  const auto zero = b.simple({{0}});
  b.directory({{StatType::kScalarIndex, 42, "/sys/vector_rate"},
               {StatType::kNameVector, names, "/if/names"},
               {StatType::kCounterVectorCombined, rx, "/if/rx"},
               {StatType::kCounterVectorSimple, drops, "/if/drops"},
               {StatType::kCounterVectorSimple, err, "/err/ip4-input/ip4 ttl <= 1"},
               {StatType::kCounterVectorSimple, zero, "/err/memif-input/not ip packet"},
               {StatType::kSymlink, 3, "/interfaces/memif1/1/rx"},
               {StatType::kEmpty, 0, "/if/gone"}});
  return b;
}

TEST(StatsSegment, ReadsInterfacesAndErrorsSummedOverThreads) {
  const auto b = two_thread_segment();
  const StatsSnapshot s = read_stats(b.span());
  ASSERT_EQ(s.interface_names.size(), 4u);
  EXPECT_EQ(s.interface_names[2], "");
  EXPECT_EQ(s.interface_index("memif2/1"), 3);
  EXPECT_EQ(s.interface_index("memif9/9"), -1);
  EXPECT_EQ(s.packets_at("/if/rx", 1), 150u);
  EXPECT_EQ(s.packets_at("/if/rx", 3), 10u);
  EXPECT_EQ(s.packets_at("/if/rx", 9), 0u);
  EXPECT_EQ(s.packets_at("/if/tx", 1), 0u);
  EXPECT_EQ(s.simple_at("/if/drops", 1), 2u);
  EXPECT_EQ(s.simple_at("/if/drops", 3), 2u);
  // Only non-zero error counters are kept.
  EXPECT_EQ(s.errors, (std::map<std::string, std::uint64_t>{{"/err/ip4-input/ip4 ttl <= 1", 11}}));
}

// VPP since 22.10: one simple counter vector "/node/errors" (per thread, one element per error
// of every node), and each /err/<node>/<reason> a symlink to its element (index1: the vector's
// directory entry, index2: the element).
TEST(StatsSegment, ErrorSymlinksIntoNodeErrors) {
  SegmentBuilder b;
  const auto names = b.names({"local0", "memif2/2"});
  const auto node_errors = b.simple({{0, 7, 0, 90000}, {0, 1, 0, 4848}});
  auto link = [](std::uint64_t entry, std::uint64_t element) { return entry | element << 32; };
  b.directory({{StatType::kNameVector, names, "/if/names"},
               {StatType::kCounterVectorSimple, node_errors, "/node/errors"},
               {StatType::kSymlink, link(1, 0), "/err/memif-input/buffer_alloc"},
               {StatType::kSymlink, link(1, 1), "/err/memif-input/bad_desc"},
               {StatType::kSymlink, link(1, 3), "/err/memif2/2-tx/no_free_slots"},
               {StatType::kSymlink, link(1, 9), "/err/memif2/2-tx/rollback"},  // no element
               {StatType::kSymlink, link(0, 0), "/err/memif2/2-output/interface is down"},
               {StatType::kSymlink, link(77, 0), "/err/gone/x"},  // no entry
               {StatType::kSymlink, link(1, 3), "/interfaces/memif2/2/tx"}});
  const StatsSnapshot s = read_stats(b.span());
  EXPECT_EQ(s.errors,
            (std::map<std::string, std::uint64_t>{{"/err/memif-input/bad_desc", 8},
                                                  {"/err/memif2/2-tx/no_free_slots", 94848}}));
}

TEST(StatsSegment, MalformedSegmentsAreErrors) {
  EXPECT_THROW(read_stats({}), Error);
  {
    auto b = two_thread_segment();
    b.put64(32, SegmentBuilder::kBase + b.bytes().size() + 64);  // directory past the end
    EXPECT_THROW(read_stats(b.span()), Error);
  }
  {
    auto b = two_thread_segment();
    // The directory's length overruns the mapping.
    std::uint64_t dir = 0;
    std::memcpy(&dir, b.bytes().data() + 32, 8);
    const std::uint32_t huge = 1u << 30;
    std::memcpy(b.bytes().data() + (dir - SegmentBuilder::kBase) - 8, &huge, 4);
    try {
      read_stats(b.span());
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(e.describe().find("malformed VPP stats segment"), std::string::npos)
          << e.describe();
    }
  }
}

TEST(StatsSegment, SocketThatDoesNotExistIsNamed) {
  try {
    read_stats_socket("/nonexistent/cnfctl/stats.sock", std::chrono::milliseconds(100));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.describe().find("/nonexistent/cnfctl/stats.sock"), std::string::npos)
        << e.describe();
  }
}

}  // namespace
}  // namespace cnfctl::vpp
