/*
 * The container's process runs from a sealed copy of this binary; the monitor runs from the file on disk.
 *
 * CVE-2019-5736: a process in the container must never be able to reach a writable copy of our binary
 * through /proc/PID/exe. Until it execs the container's command, the cloned child is our binary inside
 * the container's PID namespace, so it re-executes itself from a sealed memfd (F_SEAL_WRITE, SHRINK, GROW:
 * unwritable by construction) right after the clone, before "go", before anything of the container's runs.
 * The monitor stays outside every namespace of the container (no process in there can see it), so it
 * needs no copy: it maps the binary's file, whose pages every monitor shares through the page cache,
 * instead of a private 1 MiB copy each (smaps_rollup: ~980 KiB private before).
 *
 * The re-executed child gets the launch config from a memfd the monitor filled with the bytes it read
 * from the control socket, and its descriptors by number on its command line.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

int is_sealed(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)) == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
}

int sealed_copy(void) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  struct stat st;
  int mfd = memfd_create("mydocker-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0 || fstat(self, &st) < 0) {
    if (mfd >= 0) close(mfd);
    close(self);
    return -1;
  }
  off_t off = 0;
  while (off < st.st_size) {
    ssize_t n = sendfile(mfd, self, &off, (size_t)(st.st_size - off));
    if (n <= 0) break;
  }
  close(self);
  if (off != st.st_size || fcntl(mfd, F_ADD_SEALS, SEALS) < 0) {
    close(mfd);
    return -1;
  }
  return mfd;
}

int config_to_memfd(int from, char *err, size_t errlen) {
  int mfd = memfd_create("mydocker-config", MFD_CLOEXEC);
  if (mfd < 0) {
    snprintf(err, errlen, "memfd_create: %s", strerror(errno));
    return -1;
  }
  /* The same framing read_config reads: entries end with an empty one (two NULs, or a NUL first). */
  char buf[1 << 16];
  int first = 1, last_nul = 0;
  for (;;) {
    ssize_t n = read(from, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      snprintf(err, errlen, "launch config ended early");
      close(mfd);
      return -1;
    }
    ssize_t end = -1;
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == 0 && (first || last_nul)) {
        end = i + 1;
        break;
      }
      last_nul = buf[i] == 0;
      first = 0;
    }
    if (write_all(mfd, buf, (size_t)(end >= 0 ? end : n)) < 0) {
      snprintf(err, errlen, "copying the launch config: %s", strerror(errno));
      close(mfd);
      return -1;
    }
    if (end >= 0) break;
  }
  lseek(mfd, 0, SEEK_SET);
  return mfd;
}

/* Keeps FD open across execve; -1 stays -1. */
static void keep(int fd) {
  if (fd >= 0) fcntl(fd, F_SETFD, 0);
}

void exec_container_stage(int exe, int config_fd, int sync_rd, int errfd, int in, int out, int err, int console) {
  /* Until "go" the container is ours alone: if the monitor dies first, so does it (kept across exec). */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int fds[] = {config_fd, sync_rd, errfd, in, out, err, console};
  char text[7][16];
  char *argv[10] = {"mydocker-init", STAGE_ARG};
  for (int i = 0; i < 7; i++) {
    keep(fds[i]);
    snprintf(text[i], sizeof text[i], "%d", fds[i]);
    argv[2 + i] = text[i];
  }
  argv[9] = NULL;
  lseek(config_fd, 0, SEEK_SET);
  fexecve(exe, argv, environ);
  report_child_error(errfd, 125, "re-executing the helper from its sealed copy: %s", strerror(errno));
}

int container_stage_main(int argc, char **argv) {
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  int fds[7];
  if (argc != 9) _exit(125);
  for (int i = 0; i < 7; i++) fds[i] = atoi(argv[2 + i]);
  int errfd = fds[2];
  /* Handed over on purpose, but none may reach the container's command (0–2 are dup2'ed into place). */
  for (int i = 0; i < 7; i++)
    if (fds[i] > 2) fcntl(fds[i], F_SETFD, FD_CLOEXEC);
  static struct config cfg;
  char err[256];
  if (read_config(fds[0], &cfg, err, sizeof err) < 0) report_child_error(errfd, 125, "%s", err);
  close(fds[0]);
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0 || !is_sealed(self)) report_child_error(errfd, 125, "the helper is not running from its sealed copy");
  /* run --init: the init is this very sealed copy, never a file a container could write. */
  if (cfg.init)
    cfg.init_fd = self;
  else
    close(self);
  container_child(&cfg, fds[1], errfd, fds[3], fds[4], fds[5], fds[6]);
}
