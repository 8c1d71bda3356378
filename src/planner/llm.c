/* placeholder while writing */
#include "planner/internal.h"
#include "core/banned.h"
enum reel_code llm_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                        size_t nassets, const struct planner_opts *opts,
                        struct planner_result *res, struct reel_err *err)
{ return reel_fail(err, REEL_EUSAGE, NULL, "todo"); }
enum reel_code llm_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const json_t *previous, const json_t *feedback,
                          const struct planner_opts *opts, struct planner_result *res,
                          struct reel_err *err)
{ return reel_fail(err, REEL_EUSAGE, NULL, "todo"); }
