/* The brief's constraints checked against the render and its plan. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/internal.h"
#include "eval/eval.h"
#include "plan/plan.h"
#include "render/render.h"
#include "core/banned.h"

/* What the brief asked for that the metrics do not measure: length and shape. */
json_t *agent_brief_check(struct agent_job *aj, const struct plan *p, double duration)
{
    json_t *problems = json_array();
    const struct planner_brief *b = &aj->brief;
    if (b->duration > 0) {
        double tol = fmax(1.0, 0.05 * b->duration);
        if (fabs(duration - b->duration) > tol) {
            double footage = 0;
            for (size_t i = 0; i < aj->nassets; i++)
                if (aj->assets[i].info.kind == MEDIA_VIDEO)
                    footage += aj->assets[i].info.duration;
            if (footage + tol < b->duration)
                json_array_append_new(
                    problems, json_sprintf("the brief asks for %.1f s but the footage holds "
                                           "only %.1f s (no looping): the render is %.1f s",
                                           b->duration, footage, duration));
            else
                json_array_append_new(problems,
                                      json_sprintf("the render is %.1f s, the brief asks for "
                                                   "%.1f s (within %.1f s)",
                                                   duration, b->duration, tol));
        }
    }
    if (b->aspect[0] && p->output.width > 0) {
        int aw = 0, ah = 0;
        if (sscanf(b->aspect, "%d:%d", &aw, &ah) == 2 && aw > 0 && ah > 0 &&
            fabs((double)p->output.width / p->output.height - (double)aw / ah) > 0.02)
            json_array_append_new(problems,
                                  json_sprintf("the render is %dx%d, the brief asks for %s",
                                               p->output.width, p->output.height, b->aspect));
    }
    return json_pack("{s:b, s:o}", "passed", json_array_size(problems) == 0, "problems", problems);
}
