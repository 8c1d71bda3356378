#include "core/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/banned.h"

extern char **environ;

void argv_push(struct argv *a, const char *s)
{
    if (a->n + 2 > a->cap) {
        a->cap = a->cap ? 2 * a->cap : 16;
        a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
    }
    a->v[a->n++] = xstrdup(s);
    a->v[a->n] = NULL;
}

void argv_pushf(struct argv *a, const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    argv_push(a, b.buf);
    buf_release(&b);
}

void argv_pushv(struct argv *a, const char *const *list)
{
    for (; *list; list++)
        argv_push(a, *list);
}

void argv_release(struct argv *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = a->cap = 0;
}

void shell_quote(struct buf *out, const char *s)
{
    int plain = *s != 0;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("-_./=:,+@%", c))) {
            plain = 0;
            break;
        }
    }
    if (plain) {
        buf_adds(out, s);
        return;
    }
    buf_addch(out, '\'');
    for (const char *p = s; *p; p++) {
        if (*p == '\'')
            buf_adds(out, "'\\''");
        else
            buf_addch(out, *p);
    }
    buf_addch(out, '\'');
}

void argv_to_shell(struct buf *out, const struct argv *a)
{
    for (size_t i = 0; i < a->n; i++) {
        if (i)
            buf_addch(out, ' ');
        shell_quote(out, a->v[i]);
    }
}

#define TRAMPOLINE_ARG "--reel-exec-child"
static int trampoline_ok; /* main() called proc_trampoline: the binary can be one */

void proc_trampoline(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], TRAMPOLINE_ARG)) {
        trampoline_ok = 1;
        return;
    }
    /* argv: self --reel-exec-child PARENT_PID PROGRAM ARGS... */
    long parent = strtol(argv[2], NULL, 10);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != (pid_t)parent)
        _exit(127); /* the parent is already gone: do not start */
    execv(argv[3], argv + 3);
    dprintf(2, "reel: cannot start %s: %s\n", argv[3], strerror(errno));
    _exit(127);
}

/* The program's path: as given when it has a '/', else the first
 * executable on PATH. 0 when found. */
static int resolve_program(const char *name, char *out, size_t n)
{
    if (strchr(name, '/')) {
        snprintf(out, n, "%s", name);
        return access(out, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t l = strcspn(path, ":");
        struct stat st;
        snprintf(out, n, "%.*s/%s", (int)(l ? l : 1), l ? path : ".", name);
        if (stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        path += l + (path[l] == ':');
    }
    return -1;
}

enum reel_code proc_spawn(struct proc *p, const struct argv *a, unsigned flags,
                          struct reel_err *err)
{
    char self[PATH_MAX], prog[PATH_MAX];
    ssize_t sl;
    if ((flags & PROC_DIE_WITH_PARENT) && trampoline_ok && a->n &&
        (sl = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
        self[sl] = 0;
        if (resolve_program(a->v[0], prog, sizeof(prog)))
            return reel_fail(err, REEL_ENOTFOUND, a->v[0], "cannot start program: %s",
                             strerror(ENOENT));
        struct argv t = ARGV_INIT;
        argv_push(&t, self);
        argv_push(&t, TRAMPOLINE_ARG);
        argv_pushf(&t, "%ld", (long)getpid());
        argv_push(&t, prog);
        for (size_t i = 1; i < a->n; i++)
            argv_push(&t, a->v[i]);
        enum reel_code rc = proc_spawn(p, &t, flags & ~(unsigned)PROC_DIE_WITH_PARENT, err);
        argv_release(&t);
        return rc;
    }
    int outp[2] = {-1, -1}, errp[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    p->pid = -1;
    p->out_fd = p->err_fd = -1;
    p->status = 0;
    memset(&p->ru, 0, sizeof(p->ru));
    if (!a->n)
        return reel_fail(err, REEL_EUSAGE, NULL, "empty command");
    if ((flags & PROC_STDOUT_PIPE) && pipe2(outp, O_CLOEXEC) != 0)
        return reel_fail(err, REEL_ESYS, a->v[0], "pipe: %s", strerror(errno));
    if ((flags & PROC_STDERR_PIPE) && pipe2(errp, O_CLOEXEC) != 0) {
        int e = errno;
        if (outp[0] >= 0) {
            close(outp[0]);
            close(outp[1]);
        }
        return reel_fail(err, REEL_ESYS, a->v[0], "pipe: %s", strerror(e));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    short sflags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    if (flags & PROC_NEW_PGROUP) {
        sflags |= POSIX_SPAWN_SETPGROUP;
        posix_spawnattr_setpgroup(&attr, 0);
    }
    posix_spawnattr_setflags(&attr, sflags);
    if (flags & PROC_STDIN_NULL)
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (flags & PROC_STDOUT_PIPE)
        posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    else if (flags & PROC_STDOUT_NULL)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (flags & PROC_STDERR_PIPE)
        posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    else if (flags & PROC_STDERR_NULL)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawnp(&p->pid, a->v[0], &fa, &attr, a->v, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (outp[1] >= 0)
        close(outp[1]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (rc != 0) {
        if (outp[0] >= 0)
            close(outp[0]);
        if (errp[0] >= 0)
            close(errp[0]);
        p->pid = -1;
        return reel_fail(err, rc == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, a->v[0],
                         "cannot start program: %s", strerror(rc));
    }
    p->out_fd = outp[0];
    p->err_fd = errp[0];
    return REEL_OK;
}

int proc_wait(struct proc *p)
{
    if (p->out_fd >= 0) {
        close(p->out_fd);
        p->out_fd = -1;
    }
    if (p->err_fd >= 0) {
        close(p->err_fd);
        p->err_fd = -1;
    }
    if (p->pid <= 0)
        return -1;
    pid_t r;
    do {
        r = wait4(p->pid, &p->status, 0, &p->ru);
    } while (r < 0 && errno == EINTR);
    p->pid = -1;
    if (r < 0)
        return -1;
    if (WIFEXITED(p->status))
        return WEXITSTATUS(p->status);
    if (WIFSIGNALED(p->status))
        return 128 + WTERMSIG(p->status);
    return -1;
}

enum reel_code proc_run(const struct argv *a, struct buf *out, struct buf *errout, size_t cap,
                        int *exit_status, struct reel_err *err)
{
    struct proc p;
    unsigned flags = PROC_STDIN_NULL;
    flags |= out ? PROC_STDOUT_PIPE : PROC_STDOUT_NULL;
    flags |= errout ? PROC_STDERR_PIPE : PROC_STDERR_NULL;
    if (!cap)
        cap = 64u << 20;
    enum reel_code rc = proc_spawn(&p, a, flags, err);
    if (rc)
        return rc;
    struct pollfd pfd[2];
    struct buf *dst[2];
    for (;;) {
        int n = 0;
        if (p.out_fd >= 0) {
            pfd[n].fd = p.out_fd, pfd[n].events = POLLIN, dst[n++] = out;
        }
        if (p.err_fd >= 0) {
            pfd[n].fd = p.err_fd, pfd[n].events = POLLIN, dst[n++] = errout;
        }
        if (!n)
            break;
        if (poll(pfd, (nfds_t)n, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t r = read(pfd[i].fd, chunk, sizeof(chunk));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close(pfd[i].fd);
                if (pfd[i].fd == p.out_fd)
                    p.out_fd = -1;
                else
                    p.err_fd = -1;
                continue;
            }
            if (dst[i]->len + (size_t)r <= cap)
                buf_add(dst[i], chunk, (size_t)r);
        }
    }
    int st = proc_wait(&p);
    if (exit_status)
        *exit_status = st;
    return REEL_OK;
}
