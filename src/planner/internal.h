/* Private declarations shared by the planner's files. */
#ifndef REEL_PLANNER_INTERNAL_H
#define REEL_PLANNER_INTERNAL_H

#include "core/json.h"
#include "core/util.h"
#include "planner/planner.h"

int planner_color_valid(const char *s);
enum reel_code planner_style_check(const json_t *style, struct reel_err *err);

/* The strategies. */
enum reel_code rules_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const struct planner_opts *opts,
                          struct planner_result *res, struct reel_err *err);
enum reel_code rules_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                            size_t nassets, const json_t *previous, const json_t *feedback,
                            const struct planner_opts *opts, struct planner_result *res,
                            struct reel_err *err);
enum reel_code llm_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                        size_t nassets, const struct planner_opts *opts, struct planner_result *res,
                        struct reel_err *err);
enum reel_code llm_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const json_t *previous, const json_t *feedback,
                          const struct planner_opts *opts, struct planner_result *res,
                          struct reel_err *err);

/* Append an attempt to res (takes plan, issues, feedback); returns it. */
struct planner_attempt *planner_result_add(struct planner_result *res, json_t *plan, json_t *issues,
                                           int valid, const char *model);

const struct planner_asset *planner_asset_find(const struct planner_asset *assets, size_t n,
                                               const char *label);

/* The EditPlan JSON Schema (from the plan module when linked). New ref. */
json_t *planner_plan_schema(void);

/* Facts from an analysis / transcript document. */
double facts_num(const json_t *o, const char *key, double def);

#endif
