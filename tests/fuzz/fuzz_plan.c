/*
 * libFuzzer target for the EditPlan decoder and validator: any bytes go
 * through plan_decode_text and plan_validate against the test asset facts
 * (nothing is probed: labels the plan maps to files are reported unusable).
 * A plan that validates must also give a timeline and round-trip through
 * plan_encode: encode -> decode -> validate -> encode gives the same JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "plan/plan.h"
#include "../unit/test_plan_facts.h"

/* Assets the plan maps to files lose their path: the validator then reports
 * them as unusable ("it has no file") without probing anything. Marking them
 * probe_failed here instead would hide them from the validator, which
 * reports an asset's failure when it probes it, and let plans that name
 * them pass. */
static void no_probing(struct plan *p)
{
    for (size_t i = 0; i < p->nassets; i++)
        if (!p->assets[i].probed) {
            free(p->assets[i].path);
            p->assets[i].path = NULL;
        }
}

static int check(const char *text, size_t len, struct plan *p, struct plan_issues *is)
{
    plan_init(p);
    plan_test_facts(p);
    enum reel_code rc = plan_decode_text(text, len, "fuzz", p, is);
    no_probing(p);
    if (rc == REEL_OK || p->nops)
        rc = plan_validate(p, is);
    return rc == REEL_OK && is->n == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct plan p, q;
    struct plan_issues is = PLAN_ISSUES_INIT, is2 = PLAN_ISSUES_INIT;
    int valid = check((const char *)data, size, &p, &is);
    json_t *ij = plan_issues_to_json(&is);
    json_decref(ij);
    json_t *j = plan_encode(&p);
    char *a = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if (valid) {
        struct plan_timeline tl;
        if (plan_timeline(&p, &tl, NULL) != REEL_OK)
            abort();
        if (tl.total_frames <= 0)
            abort();
        plan_timeline_release(&tl);
        if (!a || !check(a, strlen(a), &q, &is2)) {
            for (size_t i = 0; i < is2.n; i++)
                fprintf(stderr, "round trip: %s: %s: %s\n", is2.v[i].path, is2.v[i].code,
                        is2.v[i].message);
            abort();
        }
        json_t *j2 = plan_encode(&q);
        char *b = json_dumps(j2, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(j2);
        if (!b || strcmp(a, b)) {
            fprintf(stderr, "encode is not a fixed point:\n%s\n%s\n", a, b ? b : "(null)");
            abort();
        }
        free(b);
        plan_release(&q);
    }
    free(a);
    plan_issues_release(&is);
    plan_issues_release(&is2);
    plan_release(&p);
    return 0;
}
