/* The container's cgroup v1 directories, made as @mydocker/cgroups' V1Manager.create makes them. */
#ifndef MYDOCKER_OCI_CGROUP_CREATE_H
#define MYDOCKER_OCI_CGROUP_CREATE_H
#include "plan.h"

struct cgroup_dir {
  const char *controller;
  char mount[PATH_MAX];
  char dir[PATH_MAX];
};

struct cgroup_layout {
  struct cgroup_dir dirs[8]; /* WANTED_CONTROLLERS order: also the order of the state file's cgroupPaths */
  int n;
};

/* The directories for the plan's cgroupsPath; -1 where Node must answer (v2, no v1 devices, a refusal). Reads only. */
int cgroup_plan(struct cgroup_layout *l, const struct plan *p);
/* Makes the directories, writes the limits and device rules; -1 on the first failure (the caller removes). */
int cgroup_make(const struct cgroup_layout *l, const struct plan *p);
int cgroup_attach(const struct cgroup_layout *l, long pid);
#endif
