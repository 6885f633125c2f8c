// cnfctl-launcher: the NF launcher of nf/launcher.h as a static program without libc.
//
//   cnfctl-launcher LOG PIDFILE STDIN N NAME=VALUE... (N words) ARGV...
//
// It is the container's init. It blocks SIGUSR1, SIGTERM, SIGINT and SIGCHLD and reads them
// from a signalfd. SIGTERM or SIGINT: exit 0. SIGUSR1 (the node releasing it): ignore SIGUSR1 from
// then on, fork the NF (umask 027, stdin /dev/null for STDIN "null", or for "open" the read end
// of a pipe whose write end this init holds and never writes, stdout and stderr appended to LOG,
// its environment plus the N words, the signal mask and SIGUSR1 back to the defaults, ARGV[0]
// looked up in PATH as a shell would), write its pid to PIDFILE, then stay the idle init that reaps
// and exits 0 on SIGTERM or SIGINT, as the launcher script does. The node tells its state from
// /proc/PID/status: SIGUSR1 blocked and not ignored = waiting, ignored = launched.
//
// Why no libc: in this VM, glibc's start-up alone costs 0.5 ms of CPU per process (its cpuid
// probes trap to the hypervisor); this program starts in 0.1 ms. The shell script it replaces
// costs a shell and an idle `sleep` per container (issue 12). Built with its own compiler line
// (src/nf/launcher/CMakeLists.txt): -ffreestanding -nostdlib -static, no sanitizers.
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/signal.h>
#include <linux/wait.h>

namespace {

using Word = long;

#if defined(__x86_64__)
Word sys(Word n, Word a = 0, Word b = 0, Word c = 0, Word d = 0) {
  Word ret;
  register Word r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}
#elif defined(__aarch64__)
Word sys(Word n, Word a = 0, Word b = 0, Word c = 0, Word d = 0) {
  register Word x8 __asm__("x8") = n;
  register Word x0 __asm__("x0") = a;
  register Word x1 __asm__("x1") = b;
  register Word x2 __asm__("x2") = c;
  register Word x3 __asm__("x3") = d;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
  return x0;
}
#else
#error "cnfctl-launcher: x86_64 and aarch64 only (cnfctl falls back to the launcher script)"
#endif

constexpr Word kAtFdCwd = -100;
constexpr Word kSfdCloexec = O_CLOEXEC;  // SFD_CLOEXEC
constexpr Word kENOENT = 2;
constexpr Word kEINTR = 4;
constexpr Word kEACCES = 13;

// The kernel's sigaction (struct sigaction of the rt_sigaction system call).
struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  unsigned long mask;
};

unsigned long bit(int signal) {
  return 1UL << (signal - 1);
}

[[noreturn]] void exit_now(int status) {
  for (;;) sys(__NR_exit_group, status);
}

Word length(const char* text) {
  Word n = 0;
  while (text[n] != '\0') ++n;
  return n;
}

void say(int fd, const char* text) {
  sys(__NR_write, fd, reinterpret_cast<Word>(text), length(text));
}

bool same_text(const char* a, const char* b) {
  for (; *a == *b; ++a, ++b) {
    if (*a == '\0') return true;
  }
  return false;
}

bool same_name(const char* a, const char* b) {
  // "NAME=..." against "NAME=...": equal up to and including the '='.
  for (;; ++a, ++b) {
    if (*a != *b) return false;
    if (*a == '=' || *a == '\0') return *a == '=';
  }
}

void set_action(int signal, Word handler) {
  KernelSigaction action{reinterpret_cast<void*>(handler), 0, nullptr, 0};
  sys(__NR_rt_sigaction, signal, reinterpret_cast<Word>(&action), 0, sizeof(unsigned long));
}

void set_mask(unsigned long mask) {
  sys(__NR_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<Word>(&mask), 0, sizeof(mask));
}

// One of the blocked signals of `signals` (a signalfd). Not rt_sigtimedwait: while a thread
// waits there the kernel unblocks the waited signals, so /proc/PID/status would not show SIGUSR1
// blocked, which is how the node tells a waiting launcher.
int wait_signal(Word signals) {
  for (;;) {
    unsigned int info[32];  // struct signalfd_siginfo: ssi_signo first, 128 bytes
    const Word got = sys(__NR_read, signals, reinterpret_cast<Word>(info), sizeof(info));
    if (got == static_cast<Word>(sizeof(info))) return static_cast<int>(info[0]);
    if (got != -kEINTR) exit_now(1);
  }
}

char path_buffer[4096];

// execve() of `argv` as `exec "$@"` in a shell: a name without '/' is looked up in PATH.
// Returns the exit status a shell gives when nothing could be executed (127, 126).
int exec_nf(char** argv, char** envp) {
  const char* name = argv[0];
  bool slash = false;
  for (const char* c = name; *c != '\0'; ++c) slash = slash || *c == '/';
  if (slash) {
    const Word err = sys(__NR_execve, reinterpret_cast<Word>(name), reinterpret_cast<Word>(argv),
                         reinterpret_cast<Word>(envp));
    return err == -kENOENT ? 127 : 126;
  }
  const char* path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (char** e = envp; *e != nullptr; ++e) {
    if (same_name(*e, "PATH=")) path = *e + 5;
  }
  const Word name_length = length(name);
  bool denied = false;
  for (const char* dir = path;;) {
    const char* end = dir;
    while (*end != '\0' && *end != ':') ++end;
    Word n = end - dir;
    if (n + 1 + name_length + 1 <= static_cast<Word>(sizeof(path_buffer))) {
      Word at = 0;
      if (n == 0) {
        path_buffer[at++] = '.';
      } else {
        for (Word i = 0; i < n; ++i) path_buffer[at++] = dir[i];
      }
      path_buffer[at++] = '/';
      for (Word i = 0; i <= name_length; ++i) path_buffer[at++] = name[i];
      const Word err = sys(__NR_execve, reinterpret_cast<Word>(path_buffer),
                           reinterpret_cast<Word>(argv), reinterpret_cast<Word>(envp));
      denied = denied || err == -kEACCES;
    }
    if (*end == '\0') break;
    dir = end + 1;
  }
  return denied ? 126 : 127;
}

constexpr int kMaxEnv = 4096;
char* env_buffer[kMaxEnv + 1];

// `in`: the NF's stdin, -1 for /dev/null.
[[noreturn]] void run_nf(const char* log, Word in, char** words, Word n, char** argv, char** envp) {
  set_action(SIGUSR1, reinterpret_cast<Word>(SIG_DFL));
  set_mask(0);
  // The inherited environment, each NAME=VALUE word replacing its name (`export` in the script).
  Word count = 0;
  for (char** e = envp; *e != nullptr && count < kMaxEnv; ++e) {
    bool replaced = false;
    for (Word i = 0; i < n; ++i) replaced = replaced || same_name(*e, words[i]);
    if (!replaced) env_buffer[count++] = *e;
  }
  for (Word i = 0; i < n && count < kMaxEnv; ++i) env_buffer[count++] = words[i];
  env_buffer[count] = nullptr;
  if (in < 0) in = sys(__NR_openat, kAtFdCwd, reinterpret_cast<Word>("/dev/null"), O_RDONLY);
  const Word out =
      sys(__NR_openat, kAtFdCwd, reinterpret_cast<Word>(log), O_WRONLY | O_CREAT | O_APPEND, 0666);
  if (in < 0 || out < 0) exit_now(2);
  if (in != 0) sys(__NR_dup3, in, 0, 0);
  if (out != 1) sys(__NR_dup3, out, 1, 0);
  if (out != 2) sys(__NR_dup3, out, 2, 0);
  if (in > 2) sys(__NR_close, in);
  if (out > 2) sys(__NR_close, out);
  const int status = exec_nf(argv, env_buffer);
  say(2, "cnfctl-launcher: cannot execute ");
  say(2, argv[0]);
  say(2, status == 127 ? ": not found\n" : ": permission denied\n");
  exit_now(status);
}

void write_pid(const char* file, Word pid) {
  char text[24];
  int at = sizeof(text);
  text[--at] = '\n';
  do {
    text[--at] = static_cast<char>('0' + pid % 10);
    pid /= 10;
  } while (pid > 0);
  const Word fd = sys(__NR_openat, kAtFdCwd, reinterpret_cast<Word>(file),
                      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return;
  sys(__NR_write, fd, reinterpret_cast<Word>(text + at), static_cast<Word>(sizeof(text)) - at);
  sys(__NR_close, fd);
}

// Reaps every exited child (the NF, and whatever was reparented to this init).
void reap() {
  while (sys(__NR_wait4, -1, 0, WNOHANG, 0) > 0) {
  }
}

}  // namespace

// What the compiler may call for aggregate copies even in freestanding code.
extern "C" void* memset(void* to, int value, unsigned long n) {
  auto* p = static_cast<unsigned char*>(to);
  while (n-- > 0) *p++ = static_cast<unsigned char>(value);
  return to;
}
extern "C" void* memcpy(void* to, const void* from, unsigned long n) {
  auto* p = static_cast<unsigned char*>(to);
  const auto* q = static_cast<const unsigned char*>(from);
  while (n-- > 0) *p++ = *q++;
  return to;
}

extern "C" [[noreturn]] void launcher_main(Word* stack) {
  const Word argc = stack[0];
  char** argv = reinterpret_cast<char**>(stack + 1);
  char** envp = argv + argc + 1;
  const unsigned long waited = bit(SIGUSR1) | bit(SIGTERM) | bit(SIGINT) | bit(SIGCHLD);
  set_mask(waited);
  const Word signals =
      sys(__NR_signalfd4, -1, reinterpret_cast<Word>(&waited), sizeof(waited), kSfdCloexec);
  if (signals < 0) exit_now(1);
  if (argc < 6 || (!same_text(argv[3], "null") && !same_text(argv[3], "open"))) {
    say(2, "usage: cnfctl-launcher LOG PIDFILE null|open N NAME=VALUE... ARGV...\n");
    exit_now(2);
  }
  Word n = 0;
  for (const char* c = argv[4]; *c != '\0'; ++c) {
    if (*c < '0' || *c > '9') exit_now(2);
    n = n * 10 + (*c - '0');
  }
  if (5 + n >= argc) exit_now(2);
  for (;;) {
    const int signal = wait_signal(signals);
    if (signal == SIGTERM || signal == SIGINT) exit_now(0);
    if (signal == SIGUSR1) break;
    reap();  // SIGCHLD: none of ours yet; whatever was reparented to this init
  }
  set_action(SIGUSR1, reinterpret_cast<Word>(SIG_IGN));
  sys(__NR_umask, 027);
  // "open": a pipe nobody writes to; this init keeps its write end for as long as it lives.
  int pipe_ends[2] = {-1, -1};
  if (same_text(argv[3], "open") &&
      sys(__NR_pipe2, reinterpret_cast<Word>(pipe_ends), O_CLOEXEC) != 0) {
    exit_now(1);
  }
  const Word child = sys(__NR_clone, SIGCHLD, 0, 0, 0);
  if (child == 0) run_nf(argv[1], pipe_ends[0], argv + 5, n, argv + 5 + n, envp);
  if (pipe_ends[0] >= 0) sys(__NR_close, pipe_ends[0]);
  if (child > 0) write_pid(argv[2], child);
  // The idle init from now on, as the script whose idle `sleep` outlives the NF: the container
  // keeps running after the NF ends (a `restart` starts the next one with an exec).
  for (;;) {
    const int signal = wait_signal(signals);
    if (signal == SIGTERM || signal == SIGINT) exit_now(0);
    reap();
  }
}

// The entry point: the kernel's initial stack (argc, argv..., 0, envp..., 0) to launcher_main.
#if defined(__x86_64__)
__asm__(
    ".globl _start\n"
    "_start:\n"
    "  xor %rbp, %rbp\n"
    "  mov %rsp, %rdi\n"
    "  and $-16, %rsp\n"
    "  call launcher_main\n");
#elif defined(__aarch64__)
__asm__(
    ".globl _start\n"
    "_start:\n"
    "  mov x0, sp\n"
    "  mov x29, #0\n"
    "  mov x30, #0\n"
    "  bl launcher_main\n");
#endif
