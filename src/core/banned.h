/*
 * Functions we never call, as in git's banned.h: each use is a compile error.
 * Use snprintf / buf_addf / xstrdup, and proc_spawn for child processes.
 */
#ifndef REEL_CORE_BANNED_H
#define REEL_CORE_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef system
#define system(x) BANNED(system)
#undef gets
#define gets(x) BANNED(gets)

#endif
