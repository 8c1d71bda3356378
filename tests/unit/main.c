#include <ftw.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/proc.h"
#include "test.h"

static struct test_case *head, **tail = &head;
static int cur_failed, cur_skipped;
static char tmpdir[256];

void test_register(struct test_case *t)
{
    *tail = t;
    tail = &t->next;
}

void test_fail(const char *file, int line, const char *expr)
{
    cur_failed++;
    fprintf(stderr, "    %s:%d: CHECK failed: %s\n", file, line, expr);
}

void test_skip(const char *why)
{
    cur_skipped = 1;
    printf("    skip: %s\n", why);
}

static int rm_cb(const char *p, const struct stat *s, int f, struct FTW *w)
{
    (void)s, (void)f, (void)w;
    return remove(p);
}

static void cleanup(void)
{
    if (tmpdir[0])
        nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

const char *test_tmpdir(void)
{
    if (!tmpdir[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(tmpdir, sizeof(tmpdir), "%s/reel-unit-XXXXXX", base ? base : "/tmp");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(3);
        }
        atexit(cleanup);
    }
    return tmpdir;
}

int main(int argc, char **argv)
{
    proc_trampoline(argc, argv); /* returns unless this is a child's trampoline */
    setlocale(LC_ALL, "C");
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, skipped = 0;
    for (struct test_case *t = head; t; t = t->next) {
        if (filter && !strstr(t->name, filter) && !strstr(t->file, filter))
            continue;
        cur_failed = cur_skipped = 0;
        t->fn();
        fflush(stderr);
        if (cur_failed) {
            failed++;
            printf("not ok - %s (%s)\n", t->name, t->file);
        } else if (cur_skipped) {
            skipped++;
            printf("ok - %s # skip\n", t->name);
        } else {
            passed++;
            printf("ok - %s\n", t->name);
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
