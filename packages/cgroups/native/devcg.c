/*
 * mydocker-devcg: loads a cgroup v2 device program and attaches it to a cgroup. Node cannot call bpf(2),
 * so @mydocker/cgroups assembles the program in TypeScript (src/devices/program.ts) and hands its
 * instructions to this tool on stdin. Policy stays in TypeScript; this file only speaks the syscall.
 *
 *   mydocker-devcg attach CGROUP_DIR < program   attach it, then detach the device programs that were
 *                                                 there before (a replacement, never a gap without one)
 *   mydocker-devcg count CGROUP_DIR              print how many device programs are attached there
 *   mydocker-devcg loaded                        print how many programs this tool loaded are still in
 *                                                 the kernel (named PROG_NAME), attached anywhere or not
 *
 * Errors: one line on stderr, exit 1. A program attached to a cgroup lives as long as the cgroup: removing
 * the directory releases it, so there is nothing to clean up separately.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 4096 /* BPF_MAXINSNS: the unprivileged limit, far above any rule list we make */
#define MAX_ATTACHED 64
#define PROG_NAME "mydocker_dev" /* so that leftovers can be counted without bpftool */

static int bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("mydocker-devcg: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static int open_cgroup(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("opening the cgroup %s: %s", dir, strerror(errno));
  return fd;
}

/* The ids of the device programs attached directly to the cgroup (not inherited ones). */
static uint32_t attached(int cgroup, uint32_t *ids, uint32_t max) {
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.query.target_fd = (uint32_t)cgroup;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = max;
  if (bpf(BPF_PROG_QUERY, &attr) < 0) die("querying the device programs: %s", strerror(errno));
  return attr.query.prog_cnt;
}

static size_t read_program(struct bpf_insn *insns) {
  size_t want = MAX_INSNS * sizeof *insns, got = 0;
  for (;;) {
    ssize_t n = read(0, (char *)insns + got, want - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("reading the program: %s", strerror(errno));
    if (n == 0) break;
    got += (size_t)n;
    if (got == want) die("the program is longer than %d instructions", MAX_INSNS);
  }
  if (got == 0 || got % sizeof *insns != 0) die("the program is not a whole number of instructions (%zu bytes)", got);
  return got / sizeof *insns;
}

static int load(const struct bpf_insn *insns, size_t count) {
  static char log[16384];
  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)count;
  attr.license = (uint64_t)(uintptr_t) "MIT"; /* calls no GPL-only helper */
  strncpy(attr.prog_name, PROG_NAME, sizeof attr.prog_name - 1);
  int fd = bpf(BPF_PROG_LOAD, &attr);
  if (fd >= 0) return fd;
  int err = errno;
  /* Again with the verifier's log, so that a rejected program says why. */
  attr.log_level = 1;
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof log;
  log[0] = 0;
  if (bpf(BPF_PROG_LOAD, &attr) >= 0) die("loading the device program failed once: %s", strerror(err));
  for (char *p = log; *p; p++)
    if (*p == '\n') *p = ' ';
  die("loading the device program: %s%s%s", strerror(err), log[0] ? ": " : "", log);
}

static void attach(const char *dir) {
  static struct bpf_insn insns[MAX_INSNS];
  size_t count = read_program(insns);
  int cgroup = open_cgroup(dir);
  uint32_t old[MAX_ATTACHED];
  uint32_t n_old = attached(cgroup, old, MAX_ATTACHED);
  int prog = load(insns, count);

  union bpf_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.target_fd = (uint32_t)cgroup;
  attr.attach_bpf_fd = (uint32_t)prog;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* ALLOW_MULTI: the parents' programs keep running too, so a container never gets more than its parent. */
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) < 0) die("attaching the device program to %s: %s", dir, strerror(errno));

  for (uint32_t i = 0; i < n_old && i < MAX_ATTACHED; i++) {
    memset(&attr, 0, sizeof attr);
    attr.prog_id = old[i];
    int fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd < 0) continue; /* detached meanwhile */
    memset(&attr, 0, sizeof attr);
    attr.target_fd = (uint32_t)cgroup;
    attr.attach_bpf_fd = (uint32_t)fd;
    attr.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT) die("detaching the previous device program from %s: %s", dir, strerror(errno));
    close(fd);
  }
  close(prog);
  close(cgroup);
}

/* Walks every loaded program (BPF_PROG_GET_NEXT_ID) and counts the device programs named PROG_NAME. */
static unsigned loaded(void) {
  unsigned count = 0;
  uint32_t id = 0;
  for (;;) {
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.start_id = id;
    if (bpf(BPF_PROG_GET_NEXT_ID, &attr) < 0) {
      if (errno == ENOENT) return count;
      die("listing the loaded programs: %s", strerror(errno));
    }
    id = attr.next_id;
    memset(&attr, 0, sizeof attr);
    attr.prog_id = id;
    int fd = bpf(BPF_PROG_GET_FD_BY_ID, &attr);
    if (fd < 0) continue; /* freed meanwhile */
    struct bpf_prog_info info;
    memset(&info, 0, sizeof info);
    memset(&attr, 0, sizeof attr);
    attr.info.bpf_fd = (uint32_t)fd;
    attr.info.info_len = sizeof info;
    attr.info.info = (uint64_t)(uintptr_t)&info;
    if (bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 && info.type == BPF_PROG_TYPE_CGROUP_DEVICE && strcmp(info.name, PROG_NAME) == 0) count++;
    close(fd);
  }
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "loaded") == 0) {
    printf("%u\n", loaded());
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "attach") == 0) {
    attach(argv[2]);
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "count") == 0) {
    uint32_t ids[MAX_ATTACHED];
    printf("%u\n", attached(open_cgroup(argv[2]), ids, MAX_ATTACHED));
    return 0;
  }
  fprintf(stderr, "usage: mydocker-devcg attach CGROUP_DIR < program | count CGROUP_DIR | loaded\n");
  return 2;
}
