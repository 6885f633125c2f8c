// The lxc engine: LXC 5 tools with a private lxcpath per container (<state_root>/<name>), so its
// lock and cgroup leftovers are per container and removable. Offline default: `lxc-create -t
// none` and an overlay rootfs over `host` or a directory; `-t download` for an image name
// ("distribution:release[:arch]").
#pragma once

#include "engine/engine_base.h"

namespace cnfctl::engine {

class LxcEngine : public EngineBase {
 public:
  LxcEngine(process::Runner& runner, EngineOptions options);

  void acquire(const ContainerSpec& spec, bool force) override;
  void create(const ContainerSpec& spec) override;
  process::Outcome exec(const std::string& name, const ExecRequest& request) override;
  void stop(const std::string& name, std::chrono::milliseconds grace) override;
  void destroy(const std::string& name) override;
  ContainerInfo inspect(const std::string& name) override;
  SystemInfo system_info() override;
  bool is_present(const std::string& name) override;
  bool is_running(const std::string& name) override;
  std::string logs(const std::string& name) override;

 protected:
  std::vector<std::string> cpuset_parents() const override;

 private:
  std::string tool(const std::string& name) const;
  std::vector<std::string> lxc(const std::string& tool_name, const std::string& name,
                               std::vector<std::string> args = {}) const;
  std::string lxcpath(const std::string& name) const { return state_dir(name); }
  std::string container_dir(const std::string& name) const { return state_dir(name) + "/" + name; }
  std::string state_of(const std::string& name);
};

}  // namespace cnfctl::engine
