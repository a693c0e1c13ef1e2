# blkmon — plain Makefile.  Knobs first; rules below.
#
#   make            build ./blkmon
#   make check      build and run every test (unit + behaviour + TUI)
#   make asan/tsan  the same tests under AddressSanitizer+UBSan / ThreadSanitizer
#   make fuzz       libFuzzer harnesses (clang) in build-fuzz/ (README: Fuzzing)
#   make demo       open the TUI on a generated demo image
#   make bench      side-by-side benchmarks against qemu-io / qemu-img / fio
#   make deps       install missing Debian packages (run by the targets above)

VERSION   = 0.1.0
PREFIX   ?= /usr/local
BINDIR    = $(PREFIX)/bin
DATADIR   = $(PREFIX)/share/blkmon

CC       ?= cc
PKG_CONFIG ?= pkg-config
# CFLAGS and LDFLAGS are the user's; the project's own flags come on top.
CFLAGS   ?= -O2 -g
WFLAGS    = -std=c11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
ALL_CFLAGS = $(WFLAGS) -D_GNU_SOURCE -DBLKMON_VERSION='"$(VERSION)"' \
            -DBLKMON_DATADIR='"$(DATADIR)"' -I. -MMD -MP \
            $(NCURSES_CFLAGS) $(URING_CFLAGS) $(GNUTLS_CFLAGS) $(FUSE_CFLAGS) \
            $(CFLAGS) $(SAN)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)
LDLIBS   += $(URING_LIBS) $(GNUTLS_LIBS) $(ZLIB_LIBS) $(FUSE_LIBS) -lpthread -lm

# Build flavours share the sources; each lives in its own directory.
BUILD    ?= build
SAN      ?=

# On a fresh machine the packages (and pkg-config itself) are installed
# before anything below asks pkg-config, so that `make check` or `make demo`
# works as the first command.  tools/deps is quick when nothing is missing.
ifeq ($(filter clean options,$(MAKECMDGOALS)),)
DEPS_DONE := $(shell tools/deps --quiet >&2; echo $$?)
endif

NCURSES_CFLAGS := $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null || echo -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=600)
NCURSES_LIBS   := $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)
CMOCKA_LIBS    := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)
# The io_uring engine (backend/uring.c): Debian's liburing-dev.
URING_CFLAGS   := $(shell $(PKG_CONFIG) --cflags liburing 2>/dev/null)
URING_LIBS     := $(shell $(PKG_CONFIG) --libs liburing 2>/dev/null || echo -luring)
# TLS for the NBD server (nbd/tls.c): Debian's libgnutls28-dev.
GNUTLS_CFLAGS  := $(shell $(PKG_CONFIG) --cflags gnutls 2>/dev/null)
GNUTLS_LIBS    := $(shell $(PKG_CONFIG) --libs gnutls 2>/dev/null || echo -lgnutls)
# qcow2's compressed clusters: zlib (the default) and zstd.
ZLIB_LIBS      := $(shell $(PKG_CONFIG) --libs zlib libzstd 2>/dev/null || echo -lz -lzstd)
# The FUSE export (fuse/): Debian's libfuse3-dev.
FUSE_CFLAGS    := $(shell $(PKG_CONFIG) --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)
FUSE_LIBS      := $(shell $(PKG_CONFIG) --libs fuse3 2>/dev/null || echo -lfuse3)


# Every .c under the subsystem directories is part of the program; main.c
# is kept apart so that test binaries can link everything else.
SUBSYS   = util backend backend/qcow2 rules cmd tui export nbd fuse control
LIB_SRC  = $(sort $(foreach d,$(SUBSYS),$(wildcard $(d)/*.c)))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/main.o
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Fuzz harnesses: fuzz/fuzz_NAME.c, corpus fuzz/corpus/NAME/.  Their main
# is fuzz/standalone.c (any compiler; replays files) or, with
# FUZZ_MAIN=libfuzzer (clang), libFuzzer's.
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN = $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_MAIN ?= standalone
ifeq ($(FUZZ_MAIN),libfuzzer)
FUZZ_DEP  =
FUZZ_LINK = -fsanitize=fuzzer
else
FUZZ_DEP  = $(BUILD)/fuzz/standalone.o
FUZZ_LINK = $(FUZZ_DEP)
endif

# `make V=1` shows the full commands.
V ?= 0
ifeq ($(V),0)
Q = @
say = @echo "  $(1)	$(2)";
endif

PROG     = $(if $(filter build,$(BUILD)),blkmon,$(BUILD)/blkmon)

.PHONY: all check layers unit behaviour faults crash uring tui-test \
        nbd-test fuse-test control-test fuzz-regress fuzz fuzz-bins asan \
        tsan demo bench deps install uninstall clean options
all: deps-quiet $(PROG)

$(PROG): $(MAIN_OBJ) $(BUILD)/libblkmon.a
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(NCURSES_LIBS) $(LDLIBS)

$(BUILD)/libblkmon.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)$(AR) rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libblkmon.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libblkmon.a \
	    $(CMOCKA_LIBS) $(NCURSES_LIBS) $(LDLIBS)

# The backend's files call each other in layers: no cycle (tools/layers).
layers:
	@tools/layers backend backend/qcow2

# Unit tests: every tests/unit/test_*.c is one cmocka binary.
unit: deps-quiet $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $(DEBUGGER) ./$$t; done

# Behaviour tests drive the real binary: qemu-io's recorded behaviour,
# blkmon's own fault injection (expectations written for it), robustness.
behaviour: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/behaviour/run
	@BLKMON=$(abspath $(PROG)) tests/faults/run
	@BLKMON=$(abspath $(PROG)) tests/robust/run

faults: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/faults/run

# The crash test: blkmon killed amid allocating qcow2 writes, 50 rounds;
# tests/crash/run --rounds N --groups M is the long mode.
crash: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/crash/run

# The io_uring engine passes the same tests: the backend's unit tests and
# the behaviour cases run again with it as the default engine.
URING_UNIT = $(BUILD)/tests/test_backend $(BUILD)/tests/test_blkdebug \
             $(BUILD)/tests/test_wcache \
             $(BUILD)/tests/test_cmd_bench $(BUILD)/tests/test_file_merge \
             $(BUILD)/tests/test_file_engine
uring: deps-quiet $(URING_UNIT) $(PROG)
	@set -e; for t in $(URING_UNIT); do echo "== $$t (io_uring)"; \
	    BLKMON_AIO=io_uring $(DEBUGGER) ./$$t; done
	@echo "== behaviour (io_uring)"; \
	    BLKMON_AIO=io_uring BLKMON=$(abspath $(PROG)) tests/behaviour/run
	@echo "== faults (io_uring)"; \
	    BLKMON_AIO=io_uring BLKMON=$(abspath $(PROG)) tests/faults/run

# TUI tests drive the real binary through tmux (tests/tui/run; a qcow2
# image's views: tests/tui/qcow2).
tui-test: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/tui/run
	@BLKMON=$(abspath $(PROG)) tests/tui/qcow2

# NBD tests: real clients (qemu-io, qemu-img, nbdinfo, nbdcopy, nbdsh) against
# the export, blkmon's nbd driver against qemu-nbd, nbdkit and the export,
# and qemu-io through qemu-nbd and through blkmon on the shared oracle cases
# (tests/nbd).
nbd-test: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/nbd/run
	@BLKMON=$(abspath $(PROG)) tests/nbd/client
	@BLKMON=$(abspath $(PROG)) tests/nbd/oracle

# FUSE tests: the exported file under dd-like I/O, fio, mkfs.ext4 and e2fsck,
# a loop device with a mounted ext4, every exit path (tests/fuse).
fuse-test: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/fuse/run

# The fuzz harnesses replay their corpora: every input that ever mattered
# (seeds and past crashes) stays a regression test.
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_DEP) $(BUILD)/libblkmon.a
	@mkdir -p $(dir $@)
	$(call say,LD,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
	    $(FUZZ_LINK) $(BUILD)/libblkmon.a $(NCURSES_LIBS) $(LDLIBS)
fuzz-regress: deps-quiet $(FUZZ_DEP) $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_BIN); do \
	    $(DEBUGGER) ./$$t fuzz/corpus/$${t##*/fuzz_}; done

# The control socket, the event stream and their clients (tests/control):
# blkmon ctl from a shell script, Python in text and JSON mode, the event
# stream of a known script, attach in tmux, permissions, malformed input,
# record, trace, metrics.
control-test: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/control/run

# Host devices on loop devices (recorded from qemu-io; skipped, saying so,
# where no loop device can be made) and image locks between processes:
# blkmon, qemu-io and a running QEMU (tests/hostdev, tests/locking).
hostlock-test: deps-quiet $(PROG)
	@BLKMON=$(abspath $(PROG)) tests/hostdev/run
	@BLKMON=$(abspath $(PROG)) tests/locking/run

check: layers unit behaviour crash uring tui-test nbd-test fuse-test \
       control-test fuzz-regress hostlock-test

# Sanitizer flavours: same tests, separate build trees.  gcc's "undefined"
# leaves out float-cast-overflow (a double too large for its integer type),
# so it is named.
asan:
	$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all" check
# TSan keeps a process that started threads alive one more second at exit,
# for threads still running to race with it.  blkmon joins its pool and
# event writer before exit, and the suites start it thousands of times: the
# sleep made up most of a tsan run, so it is off.
tsan:
	TSAN_OPTIONS="atexit_sleep_ms=0 $$TSAN_OPTIONS" \
	$(MAKE) --no-print-directory BUILD=build-tsan CFLAGS="-O1 -g" SAN="-fsanitize=thread" check

# libFuzzer builds with clang only.  The library is instrumented for
# coverage (fuzzer-no-link); the harnesses link libFuzzer's main.  gcc's
# -fsanitize=undefined leaves out float-cast-overflow, so it is named.
FUZZ_CC ?= clang
FUZZ_SAN = -fsanitize=address,undefined,float-cast-overflow \
           -fno-sanitize-recover=all
fuzz:
	@tools/deps --fuzz --quiet
	$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) \
	    CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
	    FUZZ_MAIN=libfuzzer fuzz-bins
	@echo "run one: build-fuzz/fuzz/fuzz_NAME -max_total_time=600 NEW_DIR fuzz/corpus/NAME"
fuzz-bins: $(FUZZ_DEP) $(FUZZ_BIN)

# The demo image is sparse (1 TiB) with a few data extents; the rules file
# arms blkdebug.  tests/demo/run-demo falls back to a plain blkdebug node
# (breakpoints only) when the driver does not take rule files yet.
demo: all
	@tests/demo/make-demo build/demo
	@tests/demo/run-demo ./blkmon build/demo

bench: all
	@tools/deps --bench --quiet
	@bench/run

# Install what the build and tests need when pkg-config cannot find it.
deps:
	@tools/deps
deps-quiet:
	@tools/deps --quiet

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/themes
	install -m 755 blkmon $(DESTDIR)$(BINDIR)/blkmon
	install -m 644 themes/*.theme $(DESTDIR)$(DATADIR)/themes/
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/blkmon
	rm -rf $(DESTDIR)$(DATADIR)

options:
	@echo "CC      = $(CC)"; echo "CFLAGS  = $(CFLAGS)"; echo "LDLIBS  = $(NCURSES_LIBS) $(LDLIBS)"

clean:
	rm -rf build build-asan build-tsan build-fuzz blkmon

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(FUZZ_BIN:=.d) \
         $(BUILD)/fuzz/standalone.d
