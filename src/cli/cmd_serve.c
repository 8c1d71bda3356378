/* Placeholder until the module lands: says so and exits 3. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "reel serve: not implemented yet\n");
    return 3;
}
