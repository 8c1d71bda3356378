/* Placeholder until the planners land. */
#include <stdio.h>

#include "cli/cli.h"

const char *const usage_plan_make =
    "usage: reel plan --brief TEXT ASSET... [-o plan.json]\n";

int cmd_plan_make(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "reel plan: the planners are not implemented yet\n");
    return 3;
}
