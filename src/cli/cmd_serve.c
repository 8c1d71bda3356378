/*
 * reel serve [--listen ADDR:PORT]: the HTTP API and the dashboard until
 * SIGINT/SIGTERM. Prints "listening on http://ADDR:PORT/" once bound
 * (port 0 picks a free one; tests read the line).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "http/http.h"
#include "core/banned.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

int cmd_serve(int argc, char **argv)
{
    struct http_opts o = {0};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--listen") && i + 1 < argc)
            o.listen = argv[++i];
        else if (!strncmp(argv[i], "--listen=", 9))
            o.listen = argv[i] + 9;
        else
            return cli_usage_error("serve", "unexpected argument '%s'", argv[i]);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct http_server *s;
    struct reel_err err = REEL_ERR_INIT;
    if (http_server_start(&o, &s, &err))
        return cli_fail(&err);
    const char *l = o.listen ? o.listen : "127.0.0.1:8080";
    const char *colon = strrchr(l, ':');
    printf("reel serve: listening on http://%.*s:%d/\n", (int)(colon - l), l, http_server_port(s));
    fflush(stdout);
    while (!stop_flag)
        usleep(100000);
    http_server_stop(s);
    return 0;
}
