/* The namespaces helper started as core's launcher starts it, and its control socket (helper-launch.c). */
#ifndef MYDOCKER_OCI_HELPER_LAUNCH_H
#define MYDOCKER_OCI_HELPER_LAUNCH_H
#include "plan.h"
#include <stddef.h>
#include <sys/types.h>

struct helper {
  pid_t pid;
  int sock;
  char buf[65536];
  size_t have;
};

/* A whole regular file (at most 64 MiB), NUL-terminated; NULL with errno on failure. */
char *read_all(const char *path, size_t *len);
/* mydocker-init as the Node path would find it; -1 when Node must decide (a config naming plugins, an untrusted path). */
int helper_path(char *out, size_t len);
/* Spawns it with the plan's launch config on fd 3; the child's pid, or -1. */
pid_t start_helper(struct helper *h, const char *path, const struct plan *p);
/* The next control line; -1 once the helper closed the socket. */
int next_line(struct helper *h, char *line, size_t len);
int send_line(struct helper *h, const char *text);
/* waitpid through EINTR: the status, or -1. */
int wait_child(pid_t pid);
#endif
