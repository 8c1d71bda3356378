/*
 * A small self-registering test harness:
 *
 *   TEST(buf_grows) { struct buf b = BUF_INIT; buf_adds(&b, "x"); CHECK(b.len == 1); }
 *
 * CHECK records a failure and continues; REQUIRE returns from the test.
 * Run `unit-tests [FILTER]`; the last line is "N passed, N failed".
 */
#ifndef REEL_TESTS_TEST_H
#define REEL_TESTS_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

struct test_case {
    const char *name;
    const char *file;
    void (*fn)(void);
    struct test_case *next;
};

void test_register(struct test_case *t);
void test_fail(const char *file, int line, const char *expr);
/* A scratch directory for this test run (removed at exit). */
const char *test_tmpdir(void);
/* Skip the current test with a reason (counts as passed, reported). */
void test_skip(const char *why);

#define TEST(name)                                                                                 \
    static void test_fn_##name(void);                                                              \
    static struct test_case test_case_##name = {#name, __FILE__, test_fn_##name, NULL};            \
    __attribute__((constructor)) static void test_reg_##name(void)                                 \
    {                                                                                              \
        test_register(&test_case_##name);                                                          \
    }                                                                                              \
    static void test_fn_##name(void)

#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr))                                                                               \
            test_fail(__FILE__, __LINE__, #expr);                                                  \
    } while (0)
#define REQUIRE(expr)                                                                              \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            test_fail(__FILE__, __LINE__, #expr);                                                  \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *ca_ = (a), *cb_ = (b);                                                         \
        if (!ca_ || !cb_ || strcmp(ca_, cb_)) {                                                    \
            char m_[512];                                                                          \
            snprintf(m_, sizeof(m_), "%s == %s (\"%s\" vs \"%s\")", #a, #b, ca_ ? ca_ : "(null)", \
                     cb_ ? cb_ : "(null)");                                                        \
            test_fail(__FILE__, __LINE__, m_);                                                     \
        }                                                                                          \
    } while (0)
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double ca_ = (a), cb_ = (b);                                                               \
        if (!(fabs(ca_ - cb_) <= (tol))) {                                                         \
            char m_[512];                                                                          \
            snprintf(m_, sizeof(m_), "%s ~= %s (%g vs %g, tol %g)", #a, #b, ca_, cb_,              \
                     (double)(tol));                                                               \
            test_fail(__FILE__, __LINE__, m_);                                                     \
        }                                                                                          \
    } while (0)

#endif
