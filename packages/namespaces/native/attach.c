/*
 * The attach socket (as conmon keeps one): a unix stream socket in the container's directory, mode 0600,
 * through which `mydocker attach` clients receive the container's output and send its input.
 *
 * Monitor -> client frames: 1 byte type (1 stdout, 2 stderr, 3 exit), 4 bytes big-endian length, payload
 * (for "exit": the exit code in decimal). Client -> monitor frames: type 0 stdin bytes, type 1 terminal
 * size (rows, cols: two big-endian 16-bit numbers), type 2 end of input (empty; Docker's StdinOnce: the
 * container's stdin pipe is closed once the input before it is written, so `cat` sees EOF). A stream
 * socket and not SOCK_SEQPACKET because Node's net module, the client, speaks only streams.
 *
 * No client may hold the container up: every send is non-blocking and a client that cannot take a whole
 * frame at once is dropped; input is read only while the container's stdin can take it.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define FRAME_STDIN 0
#define FRAME_RESIZE 1
#define FRAME_STDIN_END 2
#define MAX_CLIENTS 64

/* Binds PATH through /proc/self/fd/DIRFD/NAME: the real path may be longer than sun_path's 108 bytes. */
int attach_listen(struct attach_server *a, const char *path) {
  /* Field by field, not memset: the pending buffer is touched (and costs a page) only when used. */
  a->clients = NULL;
  a->n = a->cap = 0;
  a->pending_len = a->pending_off = 0;
  a->stdin_end = 0;
  a->listen_fd = -1;
  a->dirfd = -1;
  if (!path || !*path) return 0;
  const char *slash = strrchr(path, '/');
  if (!slash || !slash[1] || strlen(slash + 1) > 64) return -1;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
  snprintf(a->name, sizeof a->name, "%s", slash + 1);
  a->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (a->dirfd < 0) return -1;
  unlinkat(a->dirfd, a->name, 0);
  a->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (a->listen_fd < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", a->dirfd, a->name);
  /* Created 0600 (no window in which another user could connect), owned by us: root. */
  mode_t old = umask(0177);
  int rc = bind(a->listen_fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (rc < 0 || listen(a->listen_fd, 16) < 0) {
    close(a->listen_fd);
    a->listen_fd = -1;
    return -1;
  }
  return 0;
}

static void drop(struct attach_server *a, int i) {
  close(a->clients[i].fd);
  a->clients[i] = a->clients[--a->n];
}

void attach_accept(struct attach_server *a) {
  for (;;) {
    int fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (a->n == MAX_CLIENTS) {
      close(fd);
      continue;
    }
    if (a->n == a->cap) {
      int next = a->cap ? a->cap * 2 : 4;
      struct attach_client *p = realloc(a->clients, (size_t)next * sizeof *p);
      if (!p) {
        close(fd);
        continue;
      }
      a->clients = p;
      a->cap = next;
    }
    /* Room for a burst of output (kernel memory, not ours): a reader that falls this far behind is dropped. */
    int sndbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    a->clients[a->n++] = (struct attach_client){.fd = fd};
  }
}

static void frame(struct attach_server *a, int type, const char *buf, size_t len) {
  unsigned char head[5] = {(unsigned char)type, (unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8), (unsigned char)len};
  for (int i = a->n - 1; i >= 0; i--) {
    struct iovec iov[2] = {{head, sizeof head}, {(void *)buf, len}};
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
    ssize_t n = sendmsg(a->clients[i].fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n != (ssize_t)(sizeof head + len)) drop(a, i);
  }
}

void attach_output(struct attach_server *a, int stream, const char *buf, size_t len) {
  if (a->n > 0) frame(a, stream, buf, len);
}

/*
 * One read from client I: stdin bytes go to STDIN_FD (the pty master or the container's stdin pipe; -1:
 * the container has no stdin, the bytes are dropped). Bytes the container cannot take now wait in
 * a->pending, and no client is read until they are written.
 */
void attach_read(struct attach_server *a, int i, int stdin_fd, int master) {
  struct attach_client *c = &a->clients[i];
  if (c->got < 5) {
    ssize_t n = read(c->fd, c->head + c->got, (size_t)(5 - c->got));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (n <= 0) {
      drop(a, i);
      return;
    }
    c->got += (int)n;
    if (c->got < 5) return;
    c->left = (unsigned)c->head[1] << 24 | (unsigned)c->head[2] << 16 | (unsigned)c->head[3] << 8 | c->head[4];
    c->body = 0;
    if ((c->head[0] != FRAME_STDIN && c->head[0] != FRAME_RESIZE && c->head[0] != FRAME_STDIN_END) || (c->head[0] == FRAME_RESIZE && c->left != 4) ||
        (c->head[0] == FRAME_STDIN_END && c->left != 0)) {
      drop(a, i);
      return;
    }
    if (c->head[0] == FRAME_STDIN_END) {
      a->stdin_end = 1;
      c->got = 0;
      return;
    }
    if (c->left > 0) return;
  }
  if (c->left > 0) {
    if (c->head[0] == FRAME_RESIZE) {
      ssize_t n = read(c->fd, c->size + c->body, c->left);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
      if (n <= 0) {
        drop(a, i);
        return;
      }
      c->body += (unsigned)n;
      c->left -= (unsigned)n;
      if (c->left == 0 && master >= 0) {
        struct winsize ws = {.ws_row = (unsigned short)(c->size[0] << 8 | c->size[1]), .ws_col = (unsigned short)(c->size[2] << 8 | c->size[3])};
        ioctl(master, TIOCSWINSZ, &ws);
      }
    } else {
      size_t want = c->left < sizeof a->pending ? c->left : sizeof a->pending;
      ssize_t n = read(c->fd, a->pending, want);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
      if (n <= 0) {
        drop(a, i);
        return;
      }
      c->left -= (unsigned)n;
      if (stdin_fd >= 0) {
        a->pending_len = (size_t)n;
        a->pending_off = 0;
        attach_flush(a, stdin_fd);
      }
    }
  }
  if (c->left == 0) c->got = 0;
}

/* Writes what is pending to the container's stdin without blocking; returns 1 while some is left. */
int attach_flush(struct attach_server *a, int stdin_fd) {
  while (a->pending_off < a->pending_len) {
    ssize_t n = write(stdin_fd, a->pending + a->pending_off, a->pending_len - a->pending_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return 1;
    if (n <= 0) {
      a->pending_len = a->pending_off = 0; /* the container closed its stdin: drop the input */
      return 0;
    }
    a->pending_off += (size_t)n;
  }
  a->pending_len = a->pending_off = 0;
  return 0;
}

/* The container ended: no more clients (the path goes first), then every client gets its exit code. */
void attach_finish(struct attach_server *a, int code) {
  if (a->listen_fd >= 0) {
    unlinkat(a->dirfd, a->name, 0);
    attach_accept(a); /* clients already queued hear the end too */
    close(a->listen_fd);
    a->listen_fd = -1;
  }
  char body[16];
  int n = snprintf(body, sizeof body, "%d", code);
  frame(a, 3, body, (size_t)n);
  while (a->n > 0) drop(a, a->n - 1);
  free(a->clients);
  a->clients = NULL;
  a->cap = 0;
  if (a->dirfd >= 0) close(a->dirfd);
  a->dirfd = -1;
}
