// Test support: a Unix-socket server that plays VPP's side of a recorded session
// (../shared/reference/vpp/*.json) and checks that the client sends exactly the recorded bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cnfctl::vpp::testing {

/// One recv() of the recording.
struct RecordedFrame {
  bool from_client = false;
  std::vector<std::uint8_t> bytes;
};

/// The frames of a recording file. Throws std::runtime_error when it cannot be read.
std::vector<RecordedFrame> load_recording(const std::string& path);

/// The same session with VPP's bytes re-cut into frames of at most `size` bytes (a client must
/// not depend on how its reads are cut).
std::vector<RecordedFrame> split_vpp_frames(const std::vector<RecordedFrame>& frames,
                                            std::size_t size);

/// All bytes sent in one direction, concatenated.
std::vector<std::uint8_t> recorded_bytes(const std::vector<RecordedFrame>& frames,
                                         bool from_client);

class ReplayServer {
 public:
  enum class Behaviour {
    kReplay,  // play the recording, then close and expect the client to close too
    kSilent,  // accept and never answer
    kHangUp,  // accept and close at once
  };

  /// Listens on a fresh socket in a temporary directory and serves one connection.
  explicit ReplayServer(std::vector<RecordedFrame> frames,
                        Behaviour behaviour = Behaviour::kReplay);
  ~ReplayServer();
  ReplayServer(const ReplayServer&) = delete;
  ReplayServer& operator=(const ReplayServer&) = delete;

  const std::string& socket_path() const { return socket_path_; }

  /// Waits for the session to end; returns what went wrong ("" when the client sent exactly
  /// the recorded bytes and the whole recording was played).
  std::string finish();

 private:
  void serve();
  void note(const std::string& problem);

  std::vector<RecordedFrame> frames_;
  Behaviour behaviour_;
  std::string dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string problems_;
  std::thread thread_;
};

}  // namespace cnfctl::vpp::testing
