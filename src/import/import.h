/*
 * Importers: another tool's edit description turned into an EditPlan
 * (docs/interchange.md has each format's mapping table and what is lost).
 *
 * editly (https://github.com/mifi/editly): a JSON5 spec of clips played in
 * sequence, each a stack of layers, transitions overlapping neighbours.
 * import_editly() maps it onto the plan's operations exactly or says why
 * it cannot: every spec path with no EditPlan equivalent is an issue with
 * code "unsupported" (a GLSL layer, a random transition, editly's default
 * Ken Burns zoom, ...). Other issues are errors no option can skip: a file
 * the spec names that does not exist ("not_found") or cannot be read
 * ("asset_unreadable"), a value of the wrong type or range ("bad_value").
 *
 * With `lenient`, what is unsupported is left out (or, where the message
 * says so, replaced by the nearest EditPlan feature: a crossfade for an
 * unknown transition, `contain` for `contain-blur`) and the plan is still
 * made; without it no plan is made when there is any issue.
 *
 * Colours (fill-color, title-background, a clip with no picture of its
 * own) have no source operation in EditPlan v1: they become image cuts
 * and overlays of a solid-colour still, written by import_write_stills().
 */
#ifndef REEL_IMPORT_IMPORT_H
#define REEL_IMPORT_IMPORT_H

#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"

/* A solid-colour still the plan names: `path` (under still_dir) is written
 * by import_write_stills as a binary PPM of w x h pixels. */
struct import_still {
    char *label;
    char *path;
    unsigned char r, g, b;
    int w, h;
};

struct import_result {
    json_t *plan; /* the EditPlan document (owned); NULL when it could not be made */
    struct import_still *stills;
    size_t nstills;
    double duration;     /* editly's total: sum of clip durations minus the transitions */
    size_t nunsupported; /* issues with code "unsupported" */
};

void import_result_release(struct import_result *r);

/*
 * Map a parsed editly spec onto an EditPlan. `spec_dir` is the directory
 * relative paths in the spec resolve against; `still_dir` where colour
 * stills will be written. Media the spec names are probed (durations and
 * sizes decide clip lengths, fps and fits). Every problem goes to `issues`
 * with its JSON path ("$.clips[2].layers[0]"); r->plan is set unless there
 * is an issue other than "unsupported", or an unsupported one and not
 * `lenient`. Returns REEL_OK when r->plan is set, REEL_EINVAL otherwise.
 */
enum reel_code import_editly(const json_t *spec, const char *spec_dir, const char *still_dir,
                             int lenient, struct import_result *r, struct plan_issues *issues);

/* Write the result's stills (atomically each). */
enum reel_code import_write_stills(const struct import_result *r, struct reel_err *err);

#endif
