/*
 * The container log in Podman's k8s-file format, read by @mydocker/logs:
 *   <RFC3339Nano UTC> <stdout|stderr> <F|P> <bytes>\n
 * F: a full line (its newline dropped); P: bytes with no newline yet. Entries are at most 16 KiB.
 * A file named like Docker's json-file logs (`<id>-json.log`) gets Docker's format instead, one JSON object a
 * line: {"log":"<bytes, with their newline>","stream":"stdout","time":"<RFC3339Nano>"}.
 */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_ENTRY (16 * 1024)

static void reopen(struct logfile *lf, int truncate) {
  if (lf->fd >= 0) close(lf->fd);
  lf->fd = open(lf->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
  struct stat st;
  lf->size = lf->fd >= 0 && fstat(lf->fd, &st) == 0 ? st.st_size : 0;
}

static int is_json_path(const char *path) {
  size_t n = path ? strlen(path) : 0;
  return n >= 9 && strcmp(path + n - 9, "-json.log") == 0;
}

void log_open(struct logfile *lf, const char *path, long long max_size, int max_files) {
  lf->fd = -1;
  lf->path = path ? strdup(path) : NULL;
  lf->json = is_json_path(path);
  lf->max_size = max_size;
  lf->max_files = max_files < 1 ? 1 : max_files;
  if (lf->path) reopen(lf, 0);
}

/* path.(n-1) -> path.n ... path -> path.1, keeping max_files files in all. */
static void rotate(struct logfile *lf) {
  size_t len = strlen(lf->path) + 16;
  char *from = malloc(len), *to = malloc(len);
  if (!from || !to) return;
  if (lf->max_files == 1) {
    free(from);
    free(to);
    reopen(lf, 1);
    return;
  }
  for (int n = lf->max_files - 1; n >= 1; n--) {
    if (n == 1)
      snprintf(from, len, "%s", lf->path);
    else
      snprintf(from, len, "%s.%d", lf->path, n - 1);
    snprintf(to, len, "%s.%d", lf->path, n);
    rename(from, to);
  }
  free(from);
  free(to);
  reopen(lf, 0);
}

/* JSON string escaping of raw bytes: quote, backslash and control characters; other bytes as they are. */
static size_t json_escape(char *out, const char *buf, size_t len) {
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)buf[i];
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
    } else if (c == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (c == '\t') {
      out[o++] = '\\';
      out[o++] = 't';
    } else if (c == '\r') {
      out[o++] = '\\';
      out[o++] = 'r';
    } else if (c < 0x20 || c == 0x7f) {
      memcpy(out + o, "\\u00", 4);
      o += 4;
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    } else {
      out[o++] = (char)c;
    }
  }
  return o;
}

static void json_entry(struct logfile *lf, const char *stream, const char *stamp, const char *buf, size_t len, int full) {
  char *body = malloc(len * 6 + 2);
  if (!body) return;
  size_t b = json_escape(body, buf, len);
  if (full) {
    memcpy(body + b, "\\n", 2);
    b += 2;
  }
  char tail[128];
  int t = snprintf(tail, sizeof tail, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, stamp);
  long long total = 8 + (long long)b + t;
  if (lf->max_size > 0 && lf->size > 0 && lf->size + total > lf->max_size) rotate(lf);
  if (lf->fd >= 0) {
    struct iovec iov[3] = {{"{\"log\":\"", 8}, {body, b}, {tail, (size_t)t}};
    ssize_t n = writev(lf->fd, iov, 3);
    if (n > 0) lf->size += n;
  }
  free(body);
}

static void entry(struct logfile *lf, const char *stream, char tag, const char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  if (lf->json) {
    char stamp[48];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             ts.tv_nsec);
    json_entry(lf, stream, stamp, buf, len, tag == 'F');
    return;
  }
  char head[96];
  int h = snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %c ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec, ts.tv_nsec, stream, tag);
  long long total = h + (long long)len + 1;
  if (lf->max_size > 0 && lf->size > 0 && lf->size + total > lf->max_size) rotate(lf);
  if (lf->fd < 0) return;
  struct iovec iov[3] = {{head, (size_t)h}, {(void *)buf, len}, {"\n", 1}};
  size_t want = (size_t)total;
  ssize_t n = writev(lf->fd, iov, 3);
  if (n > 0) lf->size += n;
  (void)want;
}

void log_write(struct logfile *lf, const char *stream, const char *buf, size_t len) {
  if (!lf || !lf->path) return;
  while (len > 0) {
    const char *nl = memchr(buf, '\n', len < MAX_ENTRY ? len : MAX_ENTRY);
    if (nl) {
      entry(lf, stream, 'F', buf, (size_t)(nl - buf));
      len -= (size_t)(nl - buf) + 1;
      buf = nl + 1;
    } else {
      size_t n = len < MAX_ENTRY ? len : MAX_ENTRY;
      entry(lf, stream, 'P', buf, n);
      len -= n;
      buf += n;
    }
  }
}

void log_close(struct logfile *lf) {
  if (lf && lf->fd >= 0) close(lf->fd);
  if (lf) lf->fd = -1;
}
