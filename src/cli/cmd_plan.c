/* Placeholder until the plan module lands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

int cmd_plan(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "validate") || !strcmp(argv[1], "schema") ||
                      !strcmp(argv[1], "timeline"))) {
        fprintf(stderr, "reel plan %s: not implemented yet\n", argv[1]);
        return 3;
    }
    return cmd_plan_make(argc, argv);
}
