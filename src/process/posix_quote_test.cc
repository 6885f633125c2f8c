#include "process/posix_quote.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "process/local_runner.h"

namespace cnfctl::process {
namespace {

TEST(PosixQuoteTest, SafeWordsStayBare) {
  EXPECT_EQ(posix_quote("docker"), "docker");
  EXPECT_EQ(posix_quote("/usr/bin/vpp"), "/usr/bin/vpp");
  EXPECT_EQ(posix_quote("--cpuset-cpus=2,3"), "'--cpuset-cpus=2,3'");
  EXPECT_EQ(posix_quote("a-b_c.d:e,f@g%h+i"), "a-b_c.d:e,f@g%h+i");
}

TEST(PosixQuoteTest, EverythingElseIsSingleQuoted) {
  EXPECT_EQ(posix_quote(""), "''");
  EXPECT_EQ(posix_quote("a b"), "'a b'");
  EXPECT_EQ(posix_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(posix_quote("'"), "''\\'''");
  EXPECT_EQ(posix_quote("$HOME"), "'$HOME'");
  EXPECT_EQ(posix_quote("~"), "'~'");
  EXPECT_EQ(posix_quote("#x"), "'#x'");
  EXPECT_EQ(posix_quote("a=b"), "'a=b'");
  EXPECT_EQ(posix_quote("x\ny"), "'x\ny'");
  EXPECT_EQ(posix_quote("caf\xc3\xa9"), "'caf\xc3\xa9'");
}

TEST(PosixQuoteTest, ReservedWordsAreQuoted) {
  EXPECT_EQ(posix_quote("if"), "'if'");
  EXPECT_EQ(posix_quote("done"), "'done'");
  EXPECT_EQ(posix_quote("iff"), "iff");
}

TEST(PosixQuoteTest, ArgvIsSpaceJoined) {
  EXPECT_EQ(posix_quote_argv({}), "");
  EXPECT_EQ(posix_quote_argv({""}), "''");
  EXPECT_EQ(posix_quote_argv({"ls", "-l", "my dir", ""}), "ls -l 'my dir' ''");
}

// The shells a quoted command line may meet: /bin/sh always, bash when installed.
std::vector<std::string> shells() {
  std::vector<std::string> result = {"/bin/sh"};
  for (const char* bash : {"/bin/bash", "/usr/bin/bash"}) {
    if (access(bash, X_OK) == 0) {
      result.emplace_back(bash);
      break;
    }
  }
  return result;
}

// Splits NUL-terminated fields.
std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> fields;
  std::string::size_type start = 0;
  while (start < text.size()) {
    auto end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    fields.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return fields;
}

std::string escaped(const std::string& text) {
  std::string result;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      result += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      result += hex;
    }
  }
  return result;
}

TEST(PosixQuoteTest, CommandPositionIsACommandNameNotSyntax) {
  LocalRunner runner;
  for (const auto& shell : shells()) {
    // Reserved words and assignments in command position must still name a command: the
    // shell looks them up (and fails with 127) instead of parsing a keyword or assignment.
    for (std::string word : {"if", "for", "a=b", "{", "!", "#x", "~"}) {
      Outcome outcome = runner.run(Command{.argv = {shell, "-c", posix_quote_argv({word})}});
      EXPECT_EQ(outcome.exit_code, 127) << shell << " word " << word << ": " << outcome.err;
    }
    Outcome printed = runner.run(Command{
        .argv = {shell, "-c", posix_quote_argv({"printf", "%s\\0", "if", "a=b", "~", "#x"})}});
    EXPECT_EQ(printed.out, std::string("if\0a=b\0~\0#x\0", 12)) << shell;
  }
}

// Random arguments built from the characters shells care about.
class ArgGenerator {
 public:
  explicit ArgGenerator(std::uint64_t seed) : random_(seed) {}

  std::vector<std::string> argv() {
    std::vector<std::string> args(pick(0, 6));
    for (auto& arg : args) arg = this->arg();
    return args;
  }

 private:
  std::string arg() {
    static const std::vector<std::string> kWhole = {
        "", "if", "for", "!", "{", "}", "a=b", "~", "~root", "#", "--", "-n", "-e", "*", "'", "''"};
    if (pick(0, 9) == 0) return kWhole[pick(0, kWhole.size() - 1)];
    static const std::string kSpecial = "'\"$`\\\n \t*?[]~#!&|;<>(){}=%^,.-_:/@+\r\v\f";
    static const std::vector<std::string> kUtf8 = {"\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                                                   "\xf0\x9f\x99\x82", "\xc2\xa0", "\xe2\x80\x8b"};
    std::string text;
    for (std::size_t n = pick(0, 16); n > 0; --n) {
      std::size_t kind = pick(0, 19);
      if (kind < 10) {
        text += kSpecial[pick(0, kSpecial.size() - 1)];
      } else if (kind < 14) {
        text += static_cast<char>('a' + pick(0, 25));
      } else if (kind < 17) {
        text += static_cast<char>(pick(1, 255));  // any byte but NUL, valid UTF-8 or not
      } else {
        text += kUtf8[pick(0, kUtf8.size() - 1)];
      }
    }
    return text;
  }

  std::size_t pick(std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(random_);
  }

  std::mt19937_64 random_;
};

std::uint64_t quote_seed() {
  const char* from_env = std::getenv("CNFCTL_QUOTE_SEED");
  return from_env != nullptr ? std::strtoull(from_env, nullptr, 10) : 20240611;
}

// Property: for random argv lists, the shell parses the quoted line back into the same argv.
// Many cases go through one `sh -c` script: each line calls a function that prints its argument
// count and arguments, NUL-terminated.
TEST(PosixQuoteTest, RandomArgvRoundTripsThroughRealShells) {
  constexpr int kCases = 5000;
  constexpr std::size_t kMaxScript = 64 * 1024;  // far below MAX_ARG_STRLEN (128 KiB)
  const std::uint64_t seed = quote_seed();
  RecordProperty("seed", std::to_string(seed));
  std::printf("posix_quote property test seed: %llu (set CNFCTL_QUOTE_SEED to change)\n",
              static_cast<unsigned long long>(seed));

  LocalRunner runner;
  for (const auto& shell : shells()) {
    ArgGenerator generator(seed);
    int done = 0;
    while (done < kCases) {
      const std::string prelude = "p() { printf '%s\\0' \"$#\" \"$@\"; }\n";
      std::string script = prelude;
      std::vector<std::vector<std::string>> batch;
      while (done + static_cast<int>(batch.size()) < kCases && script.size() < kMaxScript) {
        batch.push_back(generator.argv());
        std::vector<std::string> call = {"p"};
        call.insert(call.end(), batch.back().begin(), batch.back().end());
        script += posix_quote_argv(call) + "\n";
      }
      Outcome outcome = runner.run(Command{.argv = {shell, "-c", script, "sh"}});
      ASSERT_TRUE(outcome.ok()) << shell << " seed " << seed << ": " << outcome.describe_status()
                                << "\n"
                                << outcome.err;
      std::vector<std::string> fields = split_nul(outcome.out);
      std::size_t at = 0;
      for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& expected = batch[i];
        std::string context = shell + " seed " + std::to_string(seed) + " case " +
                              std::to_string(done + static_cast<int>(i)) + ": " +
                              escaped(posix_quote_argv(expected));
        ASSERT_LT(at, fields.size()) << context;
        ASSERT_EQ(fields[at++], std::to_string(expected.size())) << context;
        for (const auto& arg : expected) {
          ASSERT_LT(at, fields.size()) << context;
          ASSERT_EQ(escaped(fields[at++]), escaped(arg)) << context;
        }
      }
      EXPECT_EQ(at, fields.size()) << shell << " seed " << seed;
      done += static_cast<int>(batch.size());
    }
  }
}

}  // namespace
}  // namespace cnfctl::process
