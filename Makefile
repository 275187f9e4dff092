# turnpike — build, run and test.
#
#   make            build bin/turnpike
#   make run        install missing build deps, build, run with etc/turnpike.conf
#   make check      build and run every test (unit, sanitizer, fuzz replay, integration)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (clang)
#   make docker-test  build the Docker image with a private engine and test it (root)
#   make fuzz-smoke the same for FUZZ_SMOKE_SECONDS (5) each (CI)
#   make CC=clang   the same build with clang
#   make bench      turnpike against coturn, side by side (BENCH_QUICK=1: smoke)
#   make soak       churn for SOAK_SECONDS (120), then back to baseline (CI: 20)

CC      ?= cc
BUILD   ?= build
PKGS    := libevent libevent_openssl libconfig openssl zlib jansson
SAN     ?=
JOBS    ?= $(shell nproc 2>/dev/null || echo 1)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
CFLAGS  += $(OPT) -std=c17 -pthread $(WARN) -D_GNU_SOURCE -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -levent -levent_openssl -lconfig -lssl -lcrypto -lz -ljansson)
# Debian's libwslay-dev ships no .pc file
LDLIBS  += -lwslay -pthread

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRCS  := $(sort $(shell find src -name '*.c' ! -name main.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)
BENCH_SRCS := $(sort $(wildcard tests/bench/*.c))
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/replay/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
FUZZ_HDRS := $(wildcard tests/fuzz/*.h)
DEPS      := $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d

BIN := bin/turnpike
ifneq ($(BUILD),build)
BIN := $(BUILD)/bin/turnpike
endif

.PHONY: all run check deps test-deps tests asan fuzz fuzz-build fuzz-deps fuzz-smoke clean lint format-check install docker-test bench soak

all: $(BIN) $(BENCH_BINS)

$(BIN): $(BUILD)/src/main.o $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libturnpike.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $@"
	@$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libturnpike.a $(LDFLAGS) $(LDLIBS) -lcmocka

$(BUILD)/tools/%: tests/tools/%.c $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libturnpike.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libturnpike.a $(LDFLAGS) $(LDLIBS) -lpthread

# Fuzz targets built as plain programs that replay their corpus (no clang needed).
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HDRS) $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libturnpike.a $(LDFLAGS) $(LDLIBS)

tests: $(BIN) $(UNIT_BINS) $(TOOL_BINS) $(REPLAY_BINS) $(BENCH_BINS)

# turnpike and coturn side by side on loopback (see docs/performance.md).
# BENCH_QUICK=1: a smoke run with tiny numbers; BENCH_OUT=FILE: keep the
# table and the raw lines there.
bench: $(BIN) $(BENCH_BINS) $(BUILD)/tools/stunprobe
	@TURNPIKE=$(BIN) LOADGEN=$(BUILD)/bench/loadgen PROBE=$(BUILD)/tools/stunprobe \
	  BENCH_QUICK=$(BENCH_QUICK) BENCH_OUT=$(BENCH_OUT) scripts/bench.sh

# Allocations, relays and signaling churn for SOAK_SECONDS, then RSS,
# fds, relay sockets and allocations back to baseline (tests/soak/run.sh).
SOAK_SECONDS ?= 120
soak: test-deps
	@$(MAKE) --no-print-directory tests
	@SOAK_SECONDS=$(SOAK_SECONDS) tests/soak/run.sh

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

# make run ARGS="--user alice:secret": flags added to the command line.
run: deps
	@$(MAKE) --no-print-directory all
	./bin/turnpike -c etc/turnpike.conf $(ARGS)

# Everything: the normal build, the ASan+UBSan build (unit tests and fuzz
# replay run under it), and integration tests against the real binary.
check: test-deps
	@$(MAKE) --no-print-directory -j$(JOBS) tests
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-asan SAN=1 OPT="-O1 -g" tests
	@tests/run.sh

# The Docker image, built from docker/Dockerfile by a private dockerd and
# tested from the host with the STUN probe (scripts/docker-test.sh; root).
docker-test: deps
	@$(MAKE) --no-print-directory build/tools/stunprobe
	@scripts/docker-test.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT="-O1 -g" tests

# libFuzzer (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_SAN    := address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c17 -g -O1 -D_GNU_SOURCE -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJS   := $(LIB_SRCS:%.c=build-fuzz/obj/%.o)
fuzz-build: fuzz-deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-deps:
	@scripts/deps.sh fuzz

# The library once (instrumented, no fuzzer main), then one link per target.
build-fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG $@"
	@clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<

build-fuzz/libturnpike-fuzz.a: $(FUZZ_OBJS)
	@rm -f $@
	ar rcs $@ $^

build-fuzz/%: tests/fuzz/%.c $(FUZZ_HDRS) build-fuzz/libturnpike-fuzz.a
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< build-fuzz/libturnpike-fuzz.a $(LDLIBS)

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); c=tests/fuzz/corpus/$${n#fuzz_}; mkdir -p build-fuzz/new-$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/new-$$n $$c || exit 1; \
	done

# CI: every target, a few seconds each.
FUZZ_SMOKE_SECONDS ?= 5
fuzz-smoke:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

# The pure modules never touch sockets, libevent or the clock.
PURE := src/stun src/turn src/alloc src/auth src/sig src/http/parse.c \
        src/http/util.c src/http/ws_hs.c
lint:
	@! grep -nE '#include <event2/|[^_a-z](socket|bind|sendto|recvfrom|recvmsg|sendmsg|time|clock_gettime|gettimeofday)[ ]*\(' \
	  $$(find $(PURE) -name '*.c') || { echo "lint: pure modules must not do I/O or read clocks"; exit 1; }
	@echo "lint: ok"

# make install [PREFIX=/usr/local] [DESTDIR=...]: the binary, the man
# page, the systemd unit, the demo page, and the config (never replaced).
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR    ?= $(PREFIX)/share/turnpike
install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/turnpike $(DESTDIR)$(DATADIR)
	install -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/turnpike
	install -m 0644 docs/turnpike.8 $(DESTDIR)$(MANDIR)/man8/turnpike.8
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  etc/turnpike.service > $(DESTDIR)$(UNITDIR)/turnpike.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/turnpike.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/turnpike/turnpike.conf ] || \
	  install -m 0640 etc/turnpike.conf $(DESTDIR)$(SYSCONFDIR)/turnpike/turnpike.conf
	if [ -d www ]; then cp -R www $(DESTDIR)$(DATADIR)/; fi

clean:
	rm -rf build build-asan build-fuzz bin

-include $(DEPS)
