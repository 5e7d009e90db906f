/* support_report.c — which primitive x dtype signatures each backend runs (ggml's test-backend-ops
 * support mode), read off the op sweep: every sweep binary (test_sweep_* beside this program, or
 * those named on the command line) builds each of its cases' graphs with MX_SWEEP_RECORD set, and
 * each node's primitive, dtypes and backends are tallied here. Prints one line per primitive and
 * the totals per backend. With --check it fails (exit 1), naming them:
 *  - a signature the sweep reaches (so the registry's shape rule accepts it) without a CPU kernel;
 *  - a primitive of the registry that no sweep case reaches (DESIGN §8: the sweep covers every op;
 *    there are no exemptions: creation ops, random bits, gradient-only and transformation
 *    primitives are reached through the calls that build them, tests/test_sweep_*.c). */
#define _DEFAULT_SOURCE /* mkstemp, DT_REG */
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/backend.h"

typedef struct sig {
  char prim[64], dtypes[160];
  int view, cpu, cuda;
} sig;

static sig *sigs;
static size_t nsigs, capsigs;

static void add(const sig *s) {
  for (size_t i = 0; i < nsigs; i++)
    if (!strcmp(sigs[i].prim, s->prim) && !strcmp(sigs[i].dtypes, s->dtypes)) return;
  if (nsigs == capsigs) {
    capsigs = capsigs ? 2 * capsigs : 1024;
    if (!(sigs = realloc(sigs, capsigs * sizeof *sigs))) {
      fprintf(stderr, "support_report: out of memory\n");
      exit(2);
    }
  }
  sigs[nsigs++] = *s;
}

/* Runs one sweep binary in record mode into path; false when it failed. */
static bool run_sweep(const char *bin, const char *path) {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) {
    setenv("MX_SWEEP_RECORD", path, 1);
    unsetenv("MX_SWEEP_DEVICE");
    if (!freopen("/dev/null", "w", stdout)) _exit(127);
    execl(bin, bin, "sweep", (char *)NULL);
    _exit(127);
  }
  int st = 0;
  if (waitpid(pid, &st, 0) < 0) return false;
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int cmp_sig(const void *a, const void *b) {
  const sig *x = a, *y = b;
  int c = strcmp(x->prim, y->prim);
  return c ? c : strcmp(x->dtypes, y->dtypes);
}

/* The sweep binaries beside this program. */
static int find_sweeps(const char *self, char ***out) {
  char *dir = strdup(self);
  DIR *d = opendir(dirname(dir));
  int n = 0;
  char **v = NULL;
  for (struct dirent *e; d && (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "test_sweep_", 11) || strchr(e->d_name, '.')) continue;
    char **nv = realloc(v, (size_t)(n + 1) * sizeof *v);
    char *path = malloc(strlen(self) + len + 2);
    if (!nv || !path) exit(2);
    v = nv;
    char *base = strdup(self);
    sprintf(path, "%s/%s", dirname(base), e->d_name);
    free(base);
    v[n++] = path;
  }
  if (d) closedir(d);
  free(dir);
  *out = v;
  return n;
}

int main(int argc, char **argv) {
  bool check = argc > 1 && !strcmp(argv[1], "--check");
  char **bins = argv + 1 + check;
  int nbins = argc - 1 - check;
  if (nbins == 0) nbins = find_sweeps(argv[0], &bins);
  if (nbins == 0) {
    fprintf(stderr, "support_report: no test_sweep_* binaries found beside %s\n", argv[0]);
    return 2;
  }
  char path[] = "/tmp/mx_support_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 2;
  close(fd);
  int failures = 0;
  for (int i = 0; i < nbins; i++)
    if (!run_sweep(bins[i], path)) {
      fprintf(stderr, "support_report: %s failed in record mode\n", bins[i]);
      failures++;
    }
  FILE *f = fopen(path, "r");
  char line[512];
  while (f && fgets(line, sizeof line, f)) {
    sig s;
    if (sscanf(line, "%63s %159s %d %d %d", s.prim, s.dtypes, &s.view, &s.cpu, &s.cuda) == 5) add(&s);
  }
  if (f) fclose(f);
  unlink(path);
  qsort(sigs, nsigs, sizeof *sigs, cmp_sig);

  bool have_cuda = mxi_backend(MX_CUDA) != NULL;
  size_t on_cpu = 0, on_cuda = 0, views = 0;
  printf("%-22s %5s %5s %5s  %s\n", "primitive", "sigs", "cpu", "cuda", "runs on the CPU instead of cuda");
  for (size_t i = 0; i < nsigs;) {
    size_t j = i, cpu = 0, cuda = 0;
    char missing[4096] = "";
    for (; j < nsigs && !strcmp(sigs[j].prim, sigs[i].prim); j++) {
      cpu += sigs[j].cpu == 1;
      cuda += sigs[j].cuda == 1;
      views += sigs[j].view == 1;
      if (sigs[j].cuda == 0 && strlen(missing) + strlen(sigs[j].dtypes) + 2 < sizeof missing) {
        if (*missing) strcat(missing, " ");
        strcat(missing, sigs[j].dtypes);
      }
      if (check && sigs[j].cpu != 1) {
        fprintf(stderr, "FAIL: %s(%s) is accepted by the registry but has no CPU kernel\n", sigs[j].prim,
                sigs[j].dtypes);
        failures++;
      }
    }
    if (have_cuda) printf("%-22s %5zu %5zu %5zu  %s\n", sigs[i].prim, j - i, cpu, cuda, missing);
    else printf("%-22s %5zu %5zu %5s\n", sigs[i].prim, j - i, cpu, "-");
    on_cpu += cpu;
    on_cuda += cuda;
    i = j;
  }
  printf("\n%zu primitive x dtype signatures reached by the sweep (%zu of them views, laid out by core)\n",
         nsigs, views);
  printf("cpu:  %zu of %zu have a kernel\n", on_cpu, nsigs);
  if (have_cuda) printf("cuda: %zu of %zu have a kernel (the rest run on the CPU)\n", on_cuda, nsigs);
  else printf("cuda: not built\n");

  if (check) { /* every registry primitive is reached */
    for (int p = 1; p < MX_NUM_PRIMS; p++) {
      const char *name = mxi_prims[p].name;
      bool seen = false;
      for (size_t i = 0; i < nsigs && !seen; i++) seen = !strcmp(sigs[i].prim, name);
      if (!seen) {
        fprintf(stderr, "FAIL: primitive %s has no op sweep entry (tests/test_sweep_*.c)\n", name);
        failures++;
      }
    }
  }
  if (failures) fprintf(stderr, "support_report: %d failure(s)\n", failures);
  return failures ? 1 : 0;
}
