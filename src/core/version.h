#ifndef REEL_CORE_VERSION_H
#define REEL_CORE_VERSION_H
#define REEL_VERSION "0.1.0"
#endif
