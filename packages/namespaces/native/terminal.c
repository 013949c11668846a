/* Pseudo-terminals and the terminal modes of our own stdin. */
#include "helper.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;

void set_raw_mode(int fd) {
  if (!isatty(fd) || tcgetattr(fd, &saved) < 0) return;
  struct termios raw = saved;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) == 0) saved_fd = fd;
}

void restore_terminal(void) {
  if (saved_fd >= 0) tcsetattr(saved_fd, TCSANOW, &saved);
  saved_fd = -1;
}

void copy_winsize(int from, int to) {
  struct winsize ws;
  if (ioctl(from, TIOCGWINSZ, &ws) == 0) ioctl(to, TIOCSWINSZ, &ws);
}

int open_pty(int *master, int *slave, char *err, size_t errlen) {
  *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*master < 0 || grantpt(*master) < 0 || unlockpt(*master) < 0) {
    snprintf(err, errlen, "opening a pseudo-terminal: %s", strerror(errno));
    return -1;
  }
  char name[128];
  if (ptsname_r(*master, name, sizeof name) != 0 || (*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
    snprintf(err, errlen, "opening the pseudo-terminal's slave: %s", strerror(errno));
    return -1;
  }
  return 0;
}
