#include "process/ssh_command.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "process/posix_quote.h"

namespace cnfctl::process {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SshOptions dut1() {
  SshOptions options;
  options.node = "dut1";
  options.host = "10.0.0.2";
  options.port = 2222;
  options.user = "cnf";
  options.identity_file = "/keys/id";
  options.ssh_options = {"StrictHostKeyChecking=accept-new", "Compression=yes"};
  return options;
}

TEST(SshArgv, MasterGoesToTheBackgroundOnceAuthenticated) {
  EXPECT_THAT(
      ssh_master_argv(dut1(), "/var/lib/cnfctl/ssh/x"),
      ElementsAre("ssh", "-M", "-N", "-f", "-S", "/var/lib/cnfctl/ssh/x", "-o", "BatchMode=yes",
                  "-o", "StrictHostKeyChecking=accept-new", "-o", "Compression=yes", "-o",
                  "ConnectTimeout=10", "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=3",
                  "-o", "ClearAllForwardings=yes", "-i", "/keys/id", "-p", "2222", "-l", "cnf",
                  "-o", "ControlPersist=120s", "--", "10.0.0.2"));
}

TEST(SshArgv, SessionUsesTheMasterWithoutTtyAndEndsWithOneRemoteString) {
  SshOptions options = dut1();
  options.identity_file.reset();
  options.ssh_program = "/opt/ssh";
  auto argv = ssh_session_argv(options, "/s%p", "echo 'a b'");
  EXPECT_THAT(
      argv, ElementsAre("/opt/ssh", "-o", "ControlMaster=no", "-T", "-e", "none", "-S", "/s%%p",
                        "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o",
                        "Compression=yes", "-o", "ConnectTimeout=10", "-o", "ServerAliveInterval=5",
                        "-o", "ServerAliveCountMax=3", "-o", "ClearAllForwardings=yes", "-p",
                        "2222", "-l", "cnf", "--", "10.0.0.2", "echo 'a b'"));
}

TEST(SshArgv, ControlRequestNamesTheHost) {
  SshOptions options;
  options.host = "h";
  auto argv = ssh_control_argv(options, "/p", "exit");
  ASSERT_GE(argv.size(), 5U);
  EXPECT_EQ(argv[1], "-O");
  EXPECT_EQ(argv[2], "exit");
  EXPECT_EQ(argv[argv.size() - 2], "--");
  EXPECT_EQ(argv.back(), "h");
}

TEST(SshOptionsCheck, AcceptsAPlainNode) {
  EXPECT_NO_THROW(validate_ssh_options(dut1()));
}

TEST(SshOptionsCheck, RejectsWhatWouldBreakTheRunner) {
  auto rejected = [](const SshOptions& options, const std::string& part) {
    try {
      validate_ssh_options(options);
      ADD_FAILURE() << "accepted; expected " << part;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
      EXPECT_THAT(e.describe(), HasSubstr("node dut1"));
      EXPECT_THAT(e.describe(), HasSubstr(part));
    }
  };
  SshOptions options = dut1();
  options.host = "-oProxyCommand=x";
  rejected(options, "starts with '-'");
  options = dut1();
  options.user = "";
  rejected(options, "user is empty");
  options = dut1();
  options.ssh_options = {"controlpath=/tmp/x"};
  rejected(options, "set by cnfctl itself");
  options.ssh_options = {"Port=23"};
  rejected(options, "set by cnfctl itself");
  options.ssh_options = {"NoValue"};
  rejected(options, "Key=Value");
  options.ssh_options = {"Bad Key=1"};
  rejected(options, "Key=Value");
  options = dut1();
  options.max_sessions = 0;
  rejected(options, "max_sessions");
}

TEST(SshOptionsCheck, OnlyAllowsOptionsThatTuneTheConnection) {
  for (const char* option :
       {"ProxyCommand=touch /tmp/x", "proxycommand=x", "LocalCommand=x", "PermitLocalCommand=yes",
        "KnownHostsCommand=x", "Match=exec x", "Include=/tmp/x", "PKCS11Provider=/tmp/x.so",
        "SecurityKeyProvider=/tmp/x.so", "ProxyJump=jump", "XAuthLocation=/tmp/x",
        "LocalForward=1 h:2", "ControlPersist=1", "SomethingNew=1"}) {
    SshOptions options = dut1();
    options.ssh_options = {option};
    EXPECT_THROW(validate_ssh_options(options), Error) << option;
    EXPECT_TRUE(ssh_option_problem(option).has_value()) << option;
  }
  EXPECT_THAT(*ssh_option_problem("ProxyCommand=x"), HasSubstr("runs a local command"));
  EXPECT_THAT(*ssh_option_problem("ProxyCommand=x"), HasSubstr("allowed ssh options: "));
  for (const char* option : {"StrictHostKeyChecking=accept-new", "userknownhostsfile=/dev/null",
                             "ConnectTimeout=3", "GSSAPIAuthentication=no", "IdentitiesOnly=yes"}) {
    EXPECT_EQ(ssh_option_problem(option), std::nullopt) << option;
  }
}

TEST(SshNames, DisplayAndLocation) {
  EXPECT_EQ(ssh_display_name(dut1()), "ssh cnf@10.0.0.2:2222");
  EXPECT_EQ(ssh_node_location(dut1()), "node dut1");
  SshOptions unnamed;
  unnamed.host = "h";
  EXPECT_EQ(ssh_node_location(unnamed), "node h");
}

TEST(SshControlPath, StablePerDestinationAndShortEnoughForASocket) {
  std::string a = ssh_control_path(dut1(), "/var/lib/cnfctl/ssh", "/tmp/s", 42, 0);
  EXPECT_EQ(a, ssh_control_path(dut1(), "/var/lib/cnfctl/ssh", "/tmp/s", 42, 0));
  EXPECT_THAT(a, ::testing::StartsWith("/var/lib/cnfctl/ssh/"));
  EXPECT_THAT(a, ::testing::EndsWith("-42-0"));
  SshOptions other = dut1();
  other.port = 22;
  EXPECT_NE(a.substr(0, 36),
            ssh_control_path(other, "/var/lib/cnfctl/ssh", "/tmp/s", 42, 0).substr(0, 36));
  EXPECT_NE(a, ssh_control_path(dut1(), "/var/lib/cnfctl/ssh", "/tmp/s", 42, 1));

  std::string long_dir = "/" + std::string(80, 'd');
  std::string fallback = ssh_control_path(dut1(), long_dir, "/tmp/s", 42, 0);
  EXPECT_THAT(fallback, ::testing::StartsWith("/tmp/s/"));
  EXPECT_LE(fallback.size() + 17, 107U);
}

TEST(RemoteArgv, WrapsTheArgvAsSeparateWords) {
  Command command{.argv = {"printf", "%s", "a b"}, .cwd = "/tmp"};
  command.set_env("K", "v w").unset("X");
  auto argv = wrapped_remote_argv(command, false, "N");
  EXPECT_THAT(argv, ElementsAre("/bin/sh", "-c", kOuterScript, "cnfctl-ssh", "N", "/tmp", "env",
                                "-u", "X", "--", "K=v w", "/bin/sh", "-c", kInnerScript,
                                "cnfctl-ssh", "N", "printf", "%s", "a b"));
}

TEST(RemoteArgv, AnOutputFileRedirectsOnlyTheProgram) {
  Command command{.argv = {"runc", "run", "-d", "x"}, .output_file = "/run/x/container.log"};
  auto argv = wrapped_remote_argv(command, false, "N");
  ASSERT_GE(argv.size(), 13U);
  // The wrapper scripts keep their stderr (their reports); the program's goes to the file.
  EXPECT_THAT(std::vector<std::string>(argv.end() - 8, argv.end()),
              ElementsAre("/bin/sh", "-c", "umask 027; exec \"$@\" >>\"$0\" 2>&1",
                          "/run/x/container.log", "runc", "run", "-d", "x"));
  EXPECT_EQ(argv[argv.size() - 11], kInnerScript);
}

TEST(RemoteArgv, SudoGoesFirstAndCannotPrompt) {
  auto argv = wrapped_remote_argv(Command{.argv = {"id"}}, true, "N");
  ASSERT_GE(argv.size(), 4U);
  EXPECT_THAT(std::vector<std::string>(argv.begin(), argv.begin() + 4),
              ElementsAre("sudo", "-n", "--", "/bin/sh"));
  EXPECT_EQ(argv.back(), "id");
  EXPECT_EQ(argv[8], "");  // no cwd: the login directory
}

TEST(RemoteArgv, KillTargetsTheWholeSession) {
  EXPECT_THAT(kill_group_argv(123, false), ElementsAre("kill", "-s", "KILL", "--", "-123"));
  EXPECT_THAT(kill_group_argv(7, true),
              ElementsAre("sudo", "-n", "--", "kill", "-s", "KILL", "--", "-7"));
}

TEST(RemoteArgv, ScriptsAreFixedTextWithoutUserData) {
  // The remote line is the quoted argv; data never lands inside a script.
  Command command{.argv = {"echo", "'; rm -rf / #"}};
  std::string line = posix_quote_argv(wrapped_remote_argv(command, false, "N"));
  EXPECT_THAT(line, HasSubstr(posix_quote("'; rm -rf / #")));
  EXPECT_EQ(std::string(kOuterScript).find("rm -rf"), std::string::npos);
}

TEST(WrapperReport, TakesMarkersAndLeavesTheProgramsBytes) {
  std::string err = "N pgid 4242\nwarning: x\n\nN exit 3\n";
  WrapperReport report = take_wrapper_report(err, "N");
  EXPECT_EQ(report.pgid, 4242);
  EXPECT_EQ(report.exit_status, 3);
  EXPECT_FALSE(report.no_start);
  EXPECT_EQ(err, "warning: x\n");
}

TEST(WrapperReport, ExitMarkerAfterOutputWithoutNewline) {
  std::string err = "N pgid 1\nno newline\nN exit 0\n";
  take_wrapper_report(err, "N");
  EXPECT_EQ(err, "no newline");
}

TEST(WrapperReport, NoStartAndIncompleteMarkers) {
  std::string err = "motd\nN nostart exec 2\n\nN exit 127\n";
  WrapperReport report = take_wrapper_report(err, "N");
  EXPECT_EQ(report.no_start, "exec");
  EXPECT_EQ(report.no_start_errno, 2);
  EXPECT_EQ(report.exit_status, 127);
  EXPECT_EQ(err, "motd\n");

  std::string partial = "N pgid 12";
  EXPECT_FALSE(take_wrapper_report(partial, "N").pgid);
  EXPECT_EQ(partial, "N pgid 12");

  std::string foreign = "M pgid 1\nN other 2\n";
  EXPECT_FALSE(take_wrapper_report(foreign, "N").pgid);
  EXPECT_EQ(foreign, "M pgid 1\nN other 2\n");
}

TEST(RemoteStatus, SignalsComeBackAs128PlusN) {
  Outcome outcome;
  set_remote_status(outcome, 0);
  EXPECT_TRUE(outcome.ok());
  set_remote_status(outcome, 255);
  EXPECT_EQ(outcome.status, Outcome::Status::kExited);
  EXPECT_EQ(outcome.exit_code, 255);
  set_remote_status(outcome, 128 + SIGTERM);
  EXPECT_EQ(outcome.status, Outcome::Status::kKilled);
  EXPECT_EQ(outcome.signal, SIGTERM);
  set_remote_status(outcome, 128);
  EXPECT_EQ(outcome.status, Outcome::Status::kExited);
}

TEST(SshFailures, ClassifiesRealSshMessages) {
  EXPECT_EQ(classify_ssh_failure("root@10.99.1.2: Permission denied (publickey)."),
            SshFailure::kAuthRefused);
  EXPECT_EQ(classify_ssh_failure("No ED25519 host key is known for 10.99.1.2 and you have "
                                 "requested strict checking.\r\nHost key verification failed.\r\n"),
            SshFailure::kHostKeyUnknown);
  EXPECT_EQ(classify_ssh_failure("@@@@\r\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!"
                                 "\r\nHost key verification failed."),
            SshFailure::kHostKeyChanged);
  EXPECT_EQ(classify_ssh_failure("ssh: connect to host 10.99.1.2 port 22: Connection refused"),
            SshFailure::kUnreachable);
  EXPECT_EQ(classify_ssh_failure("ssh: connect to host 10.9.9.9 port 22: No route to host"),
            SshFailure::kUnreachable);
  EXPECT_EQ(classify_ssh_failure("ssh: Could not resolve hostname nope: Name or service not "
                                 "known"),
            SshFailure::kUnreachable);
  EXPECT_EQ(classify_ssh_failure("Connection to 10.99.1.2 closed by remote host."),
            SshFailure::kConnectionLost);
  EXPECT_EQ(classify_ssh_failure("Timeout, server 10.99.1.2 not responding."),
            SshFailure::kConnectionLost);
  EXPECT_EQ(classify_ssh_failure("sudo: a password is required\n"), SshFailure::kSudoPassword);
  EXPECT_EQ(classify_ssh_failure("cnf is not in the sudoers file.  This incident will be "
                                 "reported.\n"),
            SshFailure::kSudoRefused);
  EXPECT_EQ(classify_ssh_failure("something else"), SshFailure::kOther);
}

TEST(SshFailures, DetailPicksTheTellingLine) {
  EXPECT_EQ(ssh_failure_detail("debug: x\r\nroot@h: Permission denied (publickey).\r\n"),
            "root@h: Permission denied (publickey).");
  EXPECT_EQ(ssh_failure_detail("a\nlast\n"), "last");
  EXPECT_EQ(ssh_failure_detail(""), "ssh gave no message");
}

TEST(SshFailures, MessagesNameTheNodeAndTheFix) {
  SshOptions options = dut1();
  auto message = [&](SshFailure failure) {
    return ssh_failure_message(failure, options, "DETAIL", "while connecting");
  };
  EXPECT_THAT(message(SshFailure::kAuthRefused), HasSubstr("authorized_keys"));
  EXPECT_THAT(message(SshFailure::kAuthRefused), HasSubstr("/keys/id"));
  EXPECT_THAT(message(SshFailure::kHostKeyUnknown), HasSubstr("ssh-keyscan -p 2222 10.0.0.2"));
  EXPECT_THAT(message(SshFailure::kHostKeyChanged), HasSubstr("ssh-keygen -R"));
  EXPECT_THAT(message(SshFailure::kUnreachable), HasSubstr("sshd listens on port 2222"));
  EXPECT_THAT(message(SshFailure::kConnectionLost), HasSubstr("run `down`"));
  EXPECT_THAT(message(SshFailure::kSudoPassword), HasSubstr("NOPASSWD"));
  EXPECT_THAT(message(SshFailure::kSudoRefused), HasSubstr("passwordless sudo"));
  for (auto failure : {SshFailure::kAuthRefused, SshFailure::kUnreachable, SshFailure::kOther}) {
    EXPECT_THAT(message(failure), HasSubstr("ssh cnf@10.0.0.2:2222"));
    EXPECT_THAT(message(failure), HasSubstr("DETAIL"));
  }
}

}  // namespace
}  // namespace cnfctl::process
