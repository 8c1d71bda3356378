# reel: GNU Make + pkg-config. Sources are found by wildcard, so adding a
# file needs no edit here. Variants by one variable:
#   make SANITIZE=address,undefined   (build dir build-san)
#   make CC=clang  BUILD=build-clang
.DEFAULT_GOAL := all
SHELL := /bin/bash

PKGS := libavformat libavcodec libavfilter libavutil libswscale libswresample \
        jansson libcurl sqlite3 libpq libebur128 aubio tesseract lept pocketsphinx libmicrohttpd

SANITIZE ?=
ifneq ($(SANITIZE),)
BUILD ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

OPT ?= -O2 -g
CFLAGS ?=
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation -Isrc $(OPT) \
          $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS += $(PKG_LIBS) -lgomp -lm -lpthread
LDFLAGS += $(SANFLAGS)

SRCS := $(sort $(shell find src -name '*.c'))
CLI_SRCS := $(filter src/cli/%,$(SRCS))
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
LIB_SRCS := $(filter-out src/cli/%,$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
# Files compiled into the binary (core/embed.h).
EMBED_FILES := $(sort $(wildcard schema/*.json) $(wildcard src/http/static/*))
GEN_OBJS := $(BUILD)/gen/embedded.o

REEL := $(BUILD)/reel
UNIT := $(BUILD)/unit-tests

all: $(REEL) $(UNIT) compile_commands.json

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/embedded.c: $(EMBED_FILES) scripts/embed.sh
	@mkdir -p $(dir $@)
	@scripts/embed.sh $(EMBED_FILES) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/embedded.o: $(BUILD)/gen/embedded.c
	@$(CC) $(filter-out -Werror,$(CFLAGS)) -c $< -o $@

$(BUILD)/libreel.a: $(LIB_OBJS) $(GEN_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(REEL): $(CLI_OBJS) $(BUILD)/libreel.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libreel.a $(LDLIBS)

$(UNIT): $(UNIT_OBJS) $(BUILD)/libreel.a
	@echo "  LD      $@"
	@$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) -Wl,--whole-archive $(BUILD)/libreel.a \
	    -Wl,--no-whole-archive $(LDLIBS)

# compile_commands.json for clangd / clang-tidy, from the same flags.
compile_commands.json: Makefile $(SRCS) $(UNIT_SRCS)
	@scripts/compile-commands.sh "$(CC)" "$(CFLAGS)" $(SRCS) $(UNIT_SRCS) > $@.tmp && mv $@.tmp $@

deps:
	@scripts/deps.sh

# make check: install what is missing, build, run every test.
check: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh

# The same tests under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory SANITIZE=address,undefined OPT="-O1 -g" all
	@BUILD=build-san ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo.sh

bench: all
	@for b in bench/*; do [ -x "$$b" ] && [ -f "$$b" ] && { echo "== $$b"; BUILD=$(BUILD) "$$b"; }; done; true

format:
	clang-format -i $(SRCS) $(UNIT_SRCS) $(wildcard src/*/*.h tests/unit/*.h tests/fuzz/*.c)

format-check:
	clang-format --dry-run --Werror $(SRCS) $(UNIT_SRCS) $(wildcard src/*/*.h tests/unit/*.h)

clean:
	rm -rf build build-san build-fuzz compile_commands.json

.PHONY: all deps check asan fuzz demo bench format format-check clean

-include $(LIB_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
