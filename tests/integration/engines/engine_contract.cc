#include "engine_contract.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"

namespace cnfctl::engine::testing {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The cpus of a process in the container: an exec'd one ("self") or its init ("1").
std::string cpus_allowed(Engine& engine, const std::string& name, const std::string& pid = "self") {
  auto outcome =
      engine.exec(name, {.argv = {"grep", "Cpus_allowed_list", "/proc/" + pid + "/status"}});
  EXPECT_TRUE(outcome.ok()) << outcome.describe_status() << outcome.err;
  auto tab = outcome.out.find_first_of("\t ");
  return tab == std::string::npos ? outcome.out : trim(outcome.out.substr(tab + 1));
}

void up(Engine& engine, const ContainerSpec& spec) {
  engine.acquire(spec, true);
  engine.create(spec);
}

}  // namespace

void destroy_test_containers(Engine& engine, const TestRoot& root) {
  for (const char* suffix :
       {"pin0", "pin1", "pin2", "exec", "life", "logs", "priv", "missing", "run"}) {
    try {
      engine.destroy(root.name(suffix));
    } catch (const std::exception&) {
    }
  }
}

ContainerSpec test_spec(const EngineUnderTest& t, const std::string& suffix) {
  ContainerSpec spec;
  spec.name = t.root.name(suffix);
  spec.image = t.image;
  return spec;
}

void check_pinning_mounts_and_env(const EngineUnderTest& t) {
  const std::vector<std::vector<unsigned>> cpusets = {{0}, {1}, {0, 1}};
  const std::vector<std::string> expected = {"0", "1", "0-1"};
  const std::string shared = t.root.path() + "/shared";
  const std::string readonly = t.root.path() + "/readonly";
  fs::create_directories(readonly);
  std::ofstream(readonly + "/seen") << "from host\n";

  std::vector<ContainerSpec> specs;
  for (std::size_t i = 0; i < cpusets.size(); ++i) {
    auto spec = test_spec(t, "pin" + std::to_string(i));
    spec.cpuset_cpus = cpusets[i];
    spec.mounts = {{shared, "/mnt/shared", false, true}, {readonly, "/mnt/ro", true, false}};
    spec.env = {{"CNFCTL_TEST", "a b'c\"$d`e`"}};
    specs.push_back(spec);
  }
  for (const auto& spec : specs) up(t.engine, spec);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto& name = specs[i].name;
    EXPECT_EQ(cpus_allowed(t.engine, name), expected[i]) << name;
    EXPECT_EQ(cpus_allowed(t.engine, name, "1"), expected[i]) << name << ": its init";
    // The bind mount is writable and shared with the host.
    auto write =
        t.engine.exec(name, {.argv = {"/bin/sh", "-c", "echo \"$0\" > /mnt/shared/$0", name}});
    EXPECT_TRUE(write.ok()) << write.err;
    EXPECT_EQ(read_host_file(shared + "/" + name), name + "\n");
    // The read-only one is visible and refuses writes.
    auto seen = t.engine.exec(name, {.argv = {"cat", "/mnt/ro/seen"}});
    EXPECT_EQ(seen.out, "from host\n");
    auto refused = t.engine.exec(name, {.argv = {"touch", "/mnt/ro/new"}});
    EXPECT_FALSE(refused.ok());
    EXPECT_FALSE(fs::exists(readonly + "/new"));
    // The environment, including the seed's label, exactly.
    auto env = t.engine.exec(name, {.argv = {"env"}});
    EXPECT_NE(env.out.find("CNFCTL_TEST=a b'c\"$d`e`\n"), std::string::npos) << env.out;
    EXPECT_NE(env.out.find("MICROSERVICE_LABEL=" + name + "\n"), std::string::npos) << env.out;
  }
  for (const auto& spec : specs) {
    t.engine.stop(spec.name, std::chrono::seconds(3));
    t.engine.destroy(spec.name);
    EXPECT_FALSE(t.engine.is_present(spec.name));
  }
}

void check_mounts_under_run(const EngineUnderTest& t) {
  // As the testpmd chain mounts its memif sockets and DPDK runtime dir: guest paths under /run
  // and under /var/run, which is a symlink to /run in the host image (LXC refuses to mount
  // through a symlink unless the engine resolves it).
  const std::string sockets = t.root.path() + "/run-sockets";
  const std::string dpdk = t.root.path() + "/run-dpdk";
  auto spec = test_spec(t, "run");
  spec.privileged = true;
  spec.cpuset_cpus = {0};
  spec.mounts = {{sockets, "/run/cnfctl/memif", false, true},
                 {dpdk, "/var/run/dpdk/" + spec.name, false, true}};
  up(t.engine, spec);
  EXPECT_TRUE(t.engine.is_running(spec.name));
  auto write = t.engine.exec(
      spec.name, {.argv = {"/bin/sh", "-c", "echo a > /run/cnfctl/memif/a && echo b > $0/b",
                           "/var/run/dpdk/" + spec.name}});
  EXPECT_TRUE(write.ok()) << write.describe_status() << write.err;
  EXPECT_EQ(read_host_file(sockets + "/a"), "a\n");
  EXPECT_EQ(read_host_file(dpdk + "/b"), "b\n");
  // Reached through /run too: the same directory.
  auto via_run = t.engine.exec(spec.name, {.argv = {"cat", "/run/dpdk/" + spec.name + "/b"}});
  EXPECT_EQ(via_run.out, "b\n") << via_run.err;
  t.engine.stop(spec.name, std::chrono::seconds(3));
  t.engine.destroy(spec.name);
  EXPECT_FALSE(t.engine.is_present(spec.name));
}

void check_exec_and_copy_in(const EngineUnderTest& t) {
  auto spec = test_spec(t, "exec");
  const std::string shared = t.root.path() + "/exec-shared";
  spec.mounts = {{shared, "/mnt/shared", false, true}};
  up(t.engine, spec);

  const std::vector<std::string> awkward = {
      "plain",       "two words", "'single'", "\"double\"", "$HOME", "`id`",     "$(id)",
      "back\\slash", "new\nline", "",         "*",          ";",     "tab\there"};
  std::vector<std::string> argv = {"printf", "[%s]\\n"};
  argv.insert(argv.end(), awkward.begin(), awkward.end());
  auto printed = t.engine.exec(spec.name, {.argv = argv});
  ASSERT_TRUE(printed.ok()) << printed.describe_status() << printed.err;
  std::string expected;
  for (const auto& arg : awkward) expected += "[" + arg + "]\n";
  EXPECT_EQ(printed.out, expected);

  // env given to exec, and the exit status of the program.
  auto env = t.engine.exec(spec.name, {.argv = {"/bin/sh", "-c", "printf %s \"$X\"; exit 7"},
                                       .env = {{"X", "$`'\"\n"}}});
  EXPECT_EQ(env.status, process::Outcome::Status::kExited);
  EXPECT_EQ(env.exit_code, 7);
  EXPECT_EQ(env.out, "$`'\"\n");

  // stdin bytes arrive untouched.
  const std::string text = "line 1\n'quotes' \"dq\" $VAR `cmd` \\\nno final newline";
  auto echoed = t.engine.exec(spec.name, {.argv = {"cat"}, .stdin_bytes = text});
  EXPECT_EQ(echoed.out, text);

  // copy_in: text read back from inside, a 1 MiB binary compared on the host through the mount.
  t.engine.copy_in(spec.name, "/tmp/awkward.txt", text, 0600);
  auto back = t.engine.exec(spec.name, {.argv = {"cat", "/tmp/awkward.txt"}});
  EXPECT_EQ(back.out, text);
  auto mode = t.engine.exec(spec.name, {.argv = {"stat", "-c", "%a", "/tmp/awkward.txt"}});
  EXPECT_EQ(trim(mode.out), "600");
  const std::string binary = random_bytes(1 << 20);
  t.engine.copy_in(spec.name, "/mnt/shared/blob.bin", binary, 0644);
  EXPECT_TRUE(read_host_file(shared + "/blob.bin") == binary) << "1 MiB file differs";
  auto size = t.engine.exec(spec.name, {.argv = {"wc", "-c", "/mnt/shared/blob.bin"}});
  EXPECT_EQ(size.out.substr(0, size.out.find(' ')), std::to_string(1 << 20));

  // A deadline ends a program that would run forever.
  auto slow = t.engine.exec(spec.name,
                            {.argv = {"sleep", "30"}, .timeout = std::chrono::milliseconds(300)});
  EXPECT_EQ(slow.status, process::Outcome::Status::kTimedOut);

  t.engine.stop(spec.name, std::chrono::seconds(3));
  t.engine.destroy(spec.name);
}

void check_lifecycle_and_cleanup(const EngineUnderTest& t) {
  auto spec = test_spec(t, "life");
  EXPECT_FALSE(t.engine.is_present(spec.name));
  EXPECT_FALSE(t.engine.is_running(spec.name));

  up(t.engine, spec);
  EXPECT_TRUE(t.engine.is_present(spec.name));
  EXPECT_TRUE(t.engine.is_running(spec.name));
  auto info = t.engine.inspect(spec.name);
  ASSERT_TRUE(info.pid.has_value());
  EXPECT_TRUE(fs::exists("/proc/" + std::to_string(*info.pid)));
  std::string id = info.id;

  // acquire without force keeps the running container; with force it replaces it.
  t.engine.acquire(spec, false);
  EXPECT_TRUE(t.engine.is_running(spec.name));
  EXPECT_EQ(t.engine.inspect(spec.name).pid, info.pid);

  const auto started = std::chrono::steady_clock::now();
  t.engine.stop(spec.name, std::chrono::seconds(60));
  // The idle init exits on SIGTERM: no waiting for the grace period (60 s; the bound leaves
  // room for a loaded machine).
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));
  EXPECT_TRUE(t.engine.is_present(spec.name));
  EXPECT_FALSE(t.engine.is_running(spec.name));
  EXPECT_FALSE(fs::exists("/proc/" + std::to_string(*info.pid) + "/status") &&
               read_host_file("/proc/" + std::to_string(*info.pid) + "/status").find("State:\tZ") ==
                   std::string::npos);
  t.engine.stop(spec.name, std::chrono::seconds(1));  // stopping a stopped one is fine

  t.engine.destroy(spec.name);
  EXPECT_FALSE(t.engine.is_present(spec.name));
  EXPECT_FALSE(t.engine.is_running(spec.name));
  EXPECT_NO_THROW(t.engine.destroy(spec.name));

  // Force-replace of a running container, then destroy without stopping first.
  up(t.engine, spec);
  std::string id2 = t.engine.inspect(spec.name).id;
  auto pid_before = t.engine.inspect(spec.name).pid;
  t.engine.acquire(spec, true);
  t.engine.create(spec);
  EXPECT_TRUE(t.engine.is_running(spec.name));
  EXPECT_NE(t.engine.inspect(spec.name).pid, pid_before);
  std::string id3 = t.engine.inspect(spec.name).id;
  t.engine.destroy(spec.name);
  EXPECT_FALSE(t.engine.is_present(spec.name));

  // Nothing left: no mount or directory under the engine's state root for it, no cgroup dir.
  std::vector<std::string> needles = {spec.name};
  if (t.cgroup_dirs_named_by_id) needles = {spec.name, id, id2, id3};
  EXPECT_EQ(cgroup_dirs_matching(needles), std::vector<std::string>{});
  EXPECT_EQ(mounts_under(t.root.path() + "/state/" + spec.name), std::vector<std::string>{});
  EXPECT_FALSE(fs::exists(t.root.path() + "/state/" + spec.name));
  for (const auto& point : mounts_under("/")) {
    EXPECT_EQ(point.find(spec.name), std::string::npos) << point;
  }
}

void check_info_and_logs(const EngineUnderTest& t) {
  auto preparation = t.engine.prepare_node();
  EXPECT_FALSE(preparation.cgroup_layout.empty());
  EXPECT_FALSE(preparation.actions.empty()) << preparation.describe();
  // Once per node: the second call returns the same report.
  EXPECT_EQ(t.engine.prepare_node().actions, preparation.actions);

  auto system = t.engine.system_info();
  EXPECT_EQ(system.engine, t.engine.kind());
  EXPECT_FALSE(system.version.empty()) << system.text;

  auto spec = test_spec(t, "logs");
  spec.command = {"/bin/sh", "-c",
                  "echo hello-out; echo hello-err >&2; trap 'exit 0' TERM; sleep 1000 & wait"};
  up(t.engine, spec);
  auto info = t.engine.inspect(spec.name);
  EXPECT_TRUE(info.present);
  EXPECT_TRUE(info.running);
  EXPECT_FALSE(info.raw.is_null());
  std::string logs;
  for (int i = 0; i < 100 && logs.find("hello-err") == std::string::npos; ++i) {
    logs = t.engine.logs(spec.name);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_NE(logs.find("hello-out"), std::string::npos) << logs;
  EXPECT_NE(logs.find("hello-err"), std::string::npos) << logs;
  t.engine.destroy(spec.name);
  EXPECT_FALSE(t.engine.inspect(spec.name).present);
}

void check_missing_program(const std::function<std::unique_ptr<Engine>()>& make,
                           const std::string& program, const std::string& package,
                           const std::string& image_text, TestRoot& root) {
  auto engine = make();
  ContainerSpec spec;
  spec.name = root.name("missing");
  spec.image = Image::parse(image_text);
  try {
    engine->acquire(spec, true);
    engine->create(spec);
    ADD_FAILURE() << "an engine without its program worked";
  } catch (const Error& e) {
    std::string text = e.what();
    EXPECT_NE(text.find(program), std::string::npos) << text;
    EXPECT_NE(text.find("apt-get install " + package), std::string::npos) << text;
    EXPECT_NE(text.find("engine " + engine->kind()), std::string::npos) << text;
    EXPECT_NE(text.find("node local"), std::string::npos) << text;
  }
  try {
    engine->destroy(spec.name);
  } catch (const Error&) {
  }
}

}  // namespace cnfctl::engine::testing
