/*
 * The runner: spawn ffmpeg (own process group, argv only), read -progress
 * from its stdout and its whole stderr, cancel on request, and make the
 * output appear only when it is complete (temporary name + rename).
 */
#include "render/internal.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/banned.h"

#define LOG_CAP (64u << 20)

void render_run_info_init(struct render_run_info *ri)
{
    memset(ri, 0, sizeof(*ri));
    ri->exit_status = -1;
    buf_init(&ri->log);
    buf_init(&ri->errors);
}

void render_run_info_release(struct render_run_info *ri)
{
    free(ri->shell);
    free(ri->filter_script);
    free(ri->notes);
    buf_release(&ri->log);
    buf_release(&ri->errors);
    render_run_info_init(ri);
}

json_t *render_run_info_to_json(const struct render_run_info *ri)
{
    json_t *j = json_object();
    json_object_set_new(j, "ffmpeg_args", json_string(ri->shell ? ri->shell : ""));
    json_object_set_new(j, "render_time_ms", json_integer(ri->render_time_ms));
    json_object_set_new(j, "exit_status", json_integer(ri->exit_status));
    json_object_set_new(
        j, "cpu_user_ms",
        json_integer((json_int_t)ri->ru.ru_utime.tv_sec * 1000 + ri->ru.ru_utime.tv_usec / 1000));
    json_object_set_new(
        j, "cpu_system_ms",
        json_integer((json_int_t)ri->ru.ru_stime.tv_sec * 1000 + ri->ru.ru_stime.tv_usec / 1000));
    json_object_set_new(j, "max_rss_kb", json_integer(ri->ru.ru_maxrss));
    json_t *conv = json_array();
    for (const char *l = ri->notes ? ri->notes : ""; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n)
            json_array_append_new(conv, json_stringn(l, n));
        l += n + (e != NULL);
    }
    json_object_set_new(j, "conversions", conv);
    return j;
}

/* ---- progress ---- */

static void progress_line(struct progress_parser *pp, const char *line, render_progress_fn fn,
                          void *ud)
{
    const char *eq = strchr(line, '=');
    if (!eq)
        return;
    size_t kl = (size_t)(eq - line);
    const char *v = eq + 1;
    struct render_progress *c = &pp->cur;
#define KEY(k) (kl == sizeof(k) - 1 && !strncmp(line, k, kl))
    if (KEY("frame")) {
        c->frame = strtol(v, NULL, 10);
    } else if (KEY("out_time_us") || KEY("out_time_ms")) {
        /* both are microseconds in ffmpeg's -progress output */
        char *end;
        double us = strtod(v, &end);
        if (end != v && isfinite(us) && us >= 0)
            c->out_time = us / 1e6;
    } else if (KEY("speed")) {
        char *end;
        double s = strtod(v, &end);
        c->speed = end != v && isfinite(s) ? s : 0;
    } else if (KEY("progress")) {
        c->done = !strcmp(v, "end");
        c->measure = pp->measure;
        if (pp->expected > 0) {
            c->percent = 100.0 * c->out_time / pp->expected;
            if (c->percent > 100)
                c->percent = 100;
            if (c->done)
                c->percent = 100;
            c->eta_s = c->speed > 0 ? (pp->expected - c->out_time) / c->speed : -1;
            if (c->eta_s < 0 && c->speed > 0)
                c->eta_s = 0;
        } else {
            c->percent = 0;
            c->eta_s = -1;
        }
        if (fn)
            fn(c, ud);
    }
#undef KEY
}

void progress_feed(struct progress_parser *pp, const char *data, size_t len, render_progress_fn fn,
                   void *ud)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            progress_line(pp, pp->line.buf, fn, ud);
            buf_reset(&pp->line);
        } else if (data[i] != '\r' && pp->line.len < 4096) {
            buf_addch(&pp->line, data[i]);
        }
    }
}

/* ---- stderr ---- */

void stderr_relevant(const char *log, struct buf *out)
{
    /* the last error lines; when ffmpeg printed none, the last lines */
    const char *lines[8];
    size_t nl = 0, total = 0;
    const char *tail[8];
    size_t nt = 0;
    for (const char *p = log; *p;) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) {
            int err = (memmem(p, n, "[error]", 7) || memmem(p, n, "[fatal]", 7) ||
                       memmem(p, n, "[panic]", 7));
            if (err)
                lines[nl++ % 8] = p, total++;
            tail[nt++ % 8] = p;
        }
        p = e ? e + 1 : p + n;
    }
    const char **src = total ? lines : tail;
    size_t cnt = total ? nl : nt;
    size_t first = cnt > 8 ? cnt - 8 : 0;
    for (size_t i = first; i < cnt; i++) {
        const char *p = src[i % 8];
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (out->len)
            buf_addch(out, '\n');
        buf_add(out, p, n);
    }
}

/* ---- loudness ---- */

static int json_num_after(const char *log, const char *key, double *out)
{
    char pat[64];
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    const char *last = NULL;
    for (const char *p = log; (p = strstr(p, pat)); p++)
        last = p;
    if (!last)
        return 0;
    const char *p = last + strlen(pat);
    while (*p == ' ' || *p == '\t' || *p == ':')
        p++;
    if (*p == '"')
        p++;
    char *end;
    double v = strtod(p, &end);
    if (end == p)
        return 0;
    *out = v;
    return 1;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

int loudness_parse(const char *log, struct render_loudness *out)
{
    struct render_loudness L;
    memset(&L, 0, sizeof(L));
    if (!json_num_after(log, "input_i", &L.input_i) ||
        !json_num_after(log, "input_tp", &L.input_tp) ||
        !json_num_after(log, "input_lra", &L.input_lra) ||
        !json_num_after(log, "input_thresh", &L.input_thresh) ||
        !json_num_after(log, "target_offset", &L.target_offset))
        return 0;
    /* silence measures -inf: nothing to normalise */
    if (!isfinite(L.input_i) || L.input_i < -99 || !isfinite(L.input_thresh))
        return 0;
    L.input_i = clampd(L.input_i, -99, 0);
    L.input_tp = isfinite(L.input_tp) ? clampd(L.input_tp, -99, 99) : -99;
    L.input_lra = isfinite(L.input_lra) ? clampd(L.input_lra, 0, 99) : 0;
    L.input_thresh = clampd(L.input_thresh, -99, 0);
    L.target_offset = isfinite(L.target_offset) ? clampd(L.target_offset, -99, 99) : 0;
    L.set = 1;
    *out = L;
    return 1;
}

/* ---- cancel on signals ---- */

static volatile sig_atomic_t *cancel_flag;
static struct sigaction old_int, old_term;
static int handlers_set;

static void on_signal(int sig)
{
    (void)sig;
    if (cancel_flag)
        *cancel_flag = 1;
}

void render_cancel_on_signals(volatile sig_atomic_t *flag)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() returns and sees the flag */
    cancel_flag = flag;
    sigaction(SIGINT, &sa, handlers_set ? NULL : &old_int);
    sigaction(SIGTERM, &sa, handlers_set ? NULL : &old_term);
    handlers_set = 1;
}

void render_cancel_restore(void)
{
    if (!handlers_set)
        return;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    handlers_set = 0;
    cancel_flag = NULL;
}

/* ---- run ---- */

enum reel_code render_run(const struct render_cmd *cmd, render_progress_fn progress, void *ud,
                          volatile sig_atomic_t *cancel, struct render_run_info *info,
                          struct reel_err *err)
{
    struct buf sh = BUF_INIT;
    render_cmd_to_shell(cmd, &sh);
    free(info->shell);
    info->shell = buf_detach(&sh);
    free(info->filter_script);
    info->filter_script = xstrdup(cmd->filter_script ? cmd->filter_script : "");
    free(info->notes);
    info->notes = xstrdup(cmd->notes ? cmd->notes : "");
    buf_reset(&info->log);
    buf_reset(&info->errors);
    info->exit_status = -1;

    if (cmd->temp_output)
        unlink(cmd->temp_output);
    struct proc pr;
    int64_t t0 = now_mono_ms();
    enum reel_code rc =
        proc_spawn(&pr, &cmd->argv,
                   PROC_STDIN_NULL | PROC_STDOUT_PIPE | PROC_STDERR_PIPE | PROC_NEW_PGROUP |
                       PROC_DIE_WITH_PARENT,
                   err);
    if (rc) {
        if (rc == REEL_ENOTFOUND) {
            /* a missing tool is a tool failure (exit 3), not a missing input */
            if (err)
                err->code = REEL_ETOOL;
            reel_err_prefix(err, "ffmpeg is not installed or REEL_FFMPEG is wrong");
            return REEL_ETOOL;
        }
        return rc;
    }
    struct progress_parser pp;
    memset(&pp, 0, sizeof(pp));
    buf_init(&pp.line);
    pp.expected = cmd->duration;
    pp.measure = cmd->measure_only;
    pp.cur.eta_s = -1;

    int canceled = 0;
    int64_t kill_at = 0;
    while (pr.out_fd >= 0 || pr.err_fd >= 0) {
        if (cancel && *cancel && !canceled) {
            canceled = 1;
            kill(-pr.pid, SIGTERM);
            kill_at = now_mono_ms() + 3000;
        }
        if (canceled && kill_at && now_mono_ms() > kill_at) {
            kill(-pr.pid, SIGKILL);
            kill_at = 0;
        }
        struct pollfd pfd[2];
        int n = 0;
        if (pr.out_fd >= 0)
            pfd[n].fd = pr.out_fd, pfd[n].events = POLLIN, n++;
        if (pr.err_fd >= 0)
            pfd[n].fd = pr.err_fd, pfd[n].events = POLLIN, n++;
        int r = poll(pfd, (nfds_t)n, 100);
        if (r < 0 && errno != EINTR)
            break;
        if (r <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[65536];
            ssize_t got = read(pfd[i].fd, chunk, sizeof(chunk));
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            int is_out = pfd[i].fd == pr.out_fd;
            if (got <= 0) {
                close(pfd[i].fd);
                if (is_out)
                    pr.out_fd = -1;
                else
                    pr.err_fd = -1;
                continue;
            }
            if (is_out)
                progress_feed(&pp, chunk, (size_t)got, progress, ud);
            else if (info->log.len + (size_t)got <= LOG_CAP)
                buf_add(&info->log, chunk, (size_t)got);
        }
    }
    /* the pipes are closed: the child is exiting (or gone) */
    if (canceled && kill_at) {
        /* give it a moment, then make sure */
        for (int i = 0; i < 30; i++) {
            int st;
            if (waitpid(pr.pid, &st, WNOHANG | WNOWAIT) == pr.pid)
                break;
            usleep(100000);
        }
        kill(-pr.pid, SIGKILL);
    }
    int status = proc_wait(&pr);
    info->exit_status = status;
    info->ru = pr.ru;
    info->render_time_ms = now_mono_ms() - t0;
    buf_release(&pp.line);
    stderr_relevant(info->log.buf, &info->errors);

    if (canceled || (cancel && *cancel)) {
        if (cmd->temp_output)
            unlink(cmd->temp_output);
        return reel_fail(err, REEL_ECANCELED, cmd->output, "render canceled");
    }
    if (status != 0) {
        if (cmd->temp_output)
            unlink(cmd->temp_output);
        return reel_fail(err, REEL_ETOOL, cmd->output, "ffmpeg exited with status %d: %s", status,
                         info->errors.len ? info->errors.buf : "(no output)");
    }
    if (cmd->temp_output && rename(cmd->temp_output, cmd->output) != 0) {
        int e = errno;
        unlink(cmd->temp_output);
        return reel_fail(err, REEL_ESYS, cmd->output, "cannot rename the finished render: %s",
                         strerror(e));
    }
    return REEL_OK;
}

/* ---- the whole job ---- */

void render_result_init(struct render_result *r)
{
    memset(r, 0, sizeof(*r));
    render_run_info_init(&r->measure);
    render_run_info_init(&r->final);
}

void render_result_release(struct render_result *r)
{
    render_run_info_release(&r->measure);
    render_run_info_release(&r->final);
    render_run_info_init(&r->measure);
    render_run_info_init(&r->final);
    memset(&r->loudness, 0, sizeof(r->loudness));
}

enum reel_code render_plan(const struct plan *p, const struct render_opts *opts, const char *output,
                           render_progress_fn progress, void *ud, volatile sig_atomic_t *cancel,
                           struct render_result *res, struct reel_err *err)
{
    struct render_opts o = RENDER_OPTS_INIT;
    if (opts)
        o = *opts;
    enum reel_code rc;
    if (p->output.loudness_set && !o.loudness.set) {
        struct render_cmd m = RENDER_CMD_INIT;
        o.measure_only = 1;
        rc = render_compile(p, &o, output, &m, err);
        if (rc)
            return rc;
        rc = render_run(&m, progress, ud, cancel, &res->measure, err);
        render_cmd_release(&m);
        if (rc) {
            reel_err_prefix(err, "loudness analysis");
            return rc;
        }
        loudness_parse(res->measure.log.buf, &o.loudness);
        res->loudness = o.loudness;
        o.measure_only = 0;
    }
    struct render_cmd cmd = RENDER_CMD_INIT;
    rc = render_compile(p, &o, output, &cmd, err);
    if (rc)
        return rc;
    res->duration = cmd.duration;
    res->frames = cmd.frames;
    rc = render_run(&cmd, progress, ud, cancel, &res->final, err);
    render_cmd_release(&cmd);
    return rc;
}
