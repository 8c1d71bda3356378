/*
 * Loading a plan file with --asset overrides, shared by the subcommands
 * that take PLAN.json [--asset LABEL=PATH ...], and a --transcripts file.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"
#include "core/banned.h"

int cli_load_plan(const char *file, const char *const *assets, size_t nassets, struct plan *p,
                  struct plan_issues *is)
{
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = plan_decode_file(file, p, is, &err);
    if (rc != REEL_OK && (rc != REEL_EINVAL || !is->n)) {
        reel_err_prefix(&err, "cannot read the plan");
        return 1000 + cli_fail(&err);
    }
    for (size_t i = 0; i < nassets; i++) {
        const char *v = assets[i];
        const char *eq = strchr(v, '=');
        char *label = xstrndup(v, (size_t)(eq - v));
        plan_set_asset(p, label, eq + 1);
        free(label);
    }
    int decodable = rc == REEL_OK || p->nops > 0;
    if (decodable)
        plan_validate(p, is);
    return is->n ? 1 : -1;
}

int cli_load_transcripts(const char *file, json_t **out)
{
    struct reel_err err = REEL_ERR_INIT;
    if (json_parse_file(file, 0, out, &err) != REEL_OK) {
        reel_err_prefix(&err, "reading transcripts");
        return cli_fail(&err);
    }
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        reel_fail(&err, REEL_EINVAL, file,
                  "transcripts must be an object mapping asset labels to {\"words\": [...]}");
        return cli_fail(&err);
    }
    return 0;
}
