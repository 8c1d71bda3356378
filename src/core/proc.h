/*
 * Child processes: an argv builder, shell quoting for display, and
 * posix_spawn with pipes. Never a shell: the program gets exactly the argv.
 */
#ifndef REEL_CORE_PROC_H
#define REEL_CORE_PROC_H

#include <sys/resource.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/util.h"

/* A NULL-terminated argv that owns its strings. */
struct argv {
    char **v; /* v[n] == NULL */
    size_t n, cap;
};
#define ARGV_INIT {NULL, 0, 0}

void argv_push(struct argv *a, const char *s);
void argv_pushf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_pushv(struct argv *a, const char *const *list); /* NULL-terminated */
void argv_release(struct argv *a);

/* Append s quoted for a POSIX shell ('...' with '\'' for quotes) if needed. */
void shell_quote(struct buf *out, const char *s);
/* The whole argv, each word shell-quoted, separated by spaces. */
void argv_to_shell(struct buf *out, const struct argv *a);

enum proc_flags {
    PROC_STDIN_NULL = 1 << 0,  /* stdin from /dev/null (default: inherit) */
    PROC_STDOUT_PIPE = 1 << 1, /* p->out_fd reads the child's stdout */
    PROC_STDERR_PIPE = 1 << 2, /* p->err_fd reads the child's stderr */
    PROC_STDOUT_NULL = 1 << 3,
    PROC_STDERR_NULL = 1 << 4,
    PROC_NEW_PGROUP = 1 << 5, /* child in its own process group (cancel by group) */
    /* The child is killed (SIGKILL) when this process dies, even by kill -9
     * or the OOM killer: a dead worker leaves no ffmpeg running. Done by
     * spawning this program's own binary as a trampoline that sets
     * PR_SET_PDEATHSIG and execs the program (see proc_trampoline); without
     * one (a main() that does not call proc_trampoline) the flag is ignored. */
    PROC_DIE_WITH_PARENT = 1 << 6,
};

/*
 * Call first thing in main(). When this process was started as the
 * PROC_DIE_WITH_PARENT trampoline it never returns: it arms the parent-death
 * signal and execs the real program (exit 127 when that fails). Otherwise
 * it returns and marks the binary as able to act as the trampoline.
 */
void proc_trampoline(int argc, char **argv);

struct proc {
    pid_t pid;
    int out_fd; /* -1 unless PROC_STDOUT_PIPE */
    int err_fd; /* -1 unless PROC_STDERR_PIPE */
    int status; /* raw wait status after proc_wait */
    struct rusage ru; /* the child's resource use after proc_wait */
};

/*
 * Start argv[0] (searched on PATH when it has no '/') with posix_spawnp.
 * `extra_fd_child`, when >= 0, is an additional pipe end that stays open in
 * the child (e.g. for ffmpeg -progress pipe:3 pass 3 after dup); keep it -1.
 * Fails with REEL_ENOTFOUND when the program does not exist.
 */
enum reel_code proc_spawn(struct proc *p, const struct argv *a, unsigned flags,
                          struct reel_err *err);

/* wait4 the child; fills p->status and p->ru. Returns the exit status, or
 * 128+signal when it was killed by a signal. Closes open pipe fds. */
int proc_wait(struct proc *p);

/*
 * Run to completion, capturing stdout and stderr (either may be NULL to
 * discard), each capped at `cap` bytes (0: 64 MiB). Returns REEL_OK when the
 * child ran (whatever its status; see *exit_status), an error when it could
 * not be started.
 */
enum reel_code proc_run(const struct argv *a, struct buf *out, struct buf *errout, size_t cap,
                        int *exit_status, struct reel_err *err);

#endif
