/* reel jobs [--status S] [--user UUID] [--limit N] [--json]: list jobs, newest first. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

int cmd_jobs(int argc, char **argv)
{
    struct store_job_filter f = {0};
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            as_json = 1;
        } else if (!strcmp(argv[i], "--status") && i + 1 < argc) {
            if (job_status_parse(argv[++i], &f.status))
                return cli_usage_error("jobs",
                                       "'%s' is not a status (pending, processing, completed, "
                                       "failed, review_required)",
                                       argv[i]);
            f.has_status = 1;
        } else if (!strcmp(argv[i], "--user") && i + 1 < argc) {
            f.user_id = argv[++i];
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
            long v;
            if (!parse_long(argv[++i], &v) || v < 1)
                return cli_usage_error("jobs", "--limit needs a positive number");
            f.limit = (int)v;
        } else {
            return cli_usage_error("jobs", "unknown argument '%s'", argv[i]);
        }
    }
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open(NULL, &s, &err))
        return cli_fail(&err);
    struct store_job_list l;
    if (store_job_list(s, &f, &l, &err)) {
        store_close(s);
        return cli_fail(&err);
    }
    if (as_json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(arr, store_job_to_json(&l.v[i]));
        struct buf b = BUF_INIT;
        json_dump_buf(arr, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(arr);
    } else {
        int color = cli_isatty(1);
        if (l.n)
            printf("%-36s  %-15s  %-8s  %-19s  %s\n", "ID", "STATUS", "ATTEMPTS", "CREATED",
                   "TITLE");
        for (size_t i = 0; i < l.n; i++) {
            const struct store_job *j = &l.v[i];
            char t[32], att[16];
            store_time_iso(j->created_at, t);
            t[19] = 0;
            if (t[10] == 'T')
                t[10] = ' ';
            snprintf(att, sizeof(att), "%d/%d", j->attempts, j->max_attempts);
            const char *c = "";
            if (color)
                c = j->status == JOB_FAILED       ? "\033[31m"
                    : j->status == JOB_COMPLETED  ? "\033[32m"
                    : j->status == JOB_PROCESSING ? "\033[33m"
                                                  : "";
            printf("%-36s  %s%-15s%s  %-8s  %-19s  %s\n", j->id, c, job_status_name(j->status),
                   *c ? "\033[0m" : "", att, t, j->title);
        }
    }
    store_job_list_release(&l);
    store_close(s);
    return 0;
}
