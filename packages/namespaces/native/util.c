/* Small helpers: control-socket I/O, error reporting from the child, safe path resolution in the root. */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        /* Non-blocking destination: wait instead of losing output. */
        fd_set w;
        FD_ZERO(&w);
        FD_SET(fd, &w);
        select(fd + 1, NULL, &w, NULL, NULL);
        continue;
      }
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int ctl_printf(const char *fmt, ...) {
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return -1;
  if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
  return write_all(CTL_FD, buf, (size_t)n);
}

void die_ctl(const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  for (char *p = buf; *p; p++)
    if (*p == '\n') *p = ' ';
  if (ctl_printf("error 125 %s\n", buf) < 0) fprintf(stderr, "mydocker-init: %s\n", buf);
  _exit(125);
}

/* One line from the control socket, byte by byte so nothing after the newline is consumed. */
int ctl_read_line(char *buf, size_t len) {
  size_t i = 0;
  while (i + 1 < len) {
    char c;
    ssize_t n = read(CTL_FD, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    if (c == '\n') break;
    buf[i++] = c;
  }
  buf[i] = 0;
  return (int)i;
}

/* Child side, before exec: "<code> <message>" on the error pipe, then exit; the parent relays it. */
void report_child_error(int errfd, int code, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  for (char *p = msg; *p; p++)
    if (*p == '\n') *p = ' ';
  char out[2100];
  int n = snprintf(out, sizeof out, "%d %s", code, msg);
  if (n > 0) write_all(errfd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
  _exit(code);
}

void reset_signals(void) {
  sigset_t all;
  sigemptyset(&all);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
  sigprocmask(SIG_SETMASK, &all, NULL);
}

/* Opens PATH (absolute, inside the container) relative to ROOTFD; symlinks and ".." can never leave it. */
int open_in_root(int rootfd, const char *path, int flags) {
  while (*path == '/') path++;
  if (*path == 0) path = ".";
  struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd;
  do fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* Creates every missing component of PATH inside the root (the last one as a file when AS_FILE). */
int make_in_root(int rootfd, const char *path, int as_file, char *err, size_t errlen) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", path);
  size_t len = strlen(buf);
  while (len > 1 && buf[len - 1] == '/') buf[--len] = 0;
  for (size_t i = 1; i <= len; i++) {
    if (buf[i] != '/' && buf[i] != 0) continue;
    char saved = buf[i];
    buf[i] = 0;
    int last = saved == 0;
    int fd = open_in_root(rootfd, buf, O_PATH);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ENOENT) {
      char *slash = strrchr(buf, '/');
      const char *name = slash + 1;
      *slash = 0;
      int parent = open_in_root(rootfd, buf[0] ? buf : "/", O_PATH | O_DIRECTORY);
      *slash = '/';
      if (parent < 0) {
        snprintf(err, errlen, "cannot open the parent of %s: %s", buf, strerror(errno));
        return -1;
      }
      int rc;
      if (last && as_file) {
        rc = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (rc >= 0) close(rc);
      } else {
        rc = mkdirat(parent, name, 0755);
      }
      int e = errno;
      close(parent);
      if (rc < 0 && e != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", buf, strerror(e));
        return -1;
      }
    } else {
      snprintf(err, errlen, "cannot open %s: %s", buf, strerror(errno));
      return -1;
    }
    buf[i] = saved;
  }
  return 0;
}

/*
 * The child reports "CODE message" on errfd (close-on-exec) if setup or exec fails; EOF with nothing
 * means exec succeeded. On failure: reap the child, tell the driver, and exit with the child's code.
 */
void await_exec(int errfd, pid_t pid) {
  char msg[2200];
  size_t len = 0;
  ssize_t n;
  while ((n = read(errfd, msg + len, sizeof msg - 1 - len)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) len += (size_t)n;
  close(errfd);
  if (len == 0) return;
  msg[len] = 0;
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  ctl_printf("error %s\n", msg);
  _exit(atoi(msg) ? atoi(msg) : 125);
}
