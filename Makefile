# turnpike — build, run and test.
#
#   make            build bin/turnpike
#   make run        install missing build deps, build, run with etc/turnpike.conf
#   make check      build and run every test (unit, sanitizer, fuzz replay, integration)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS (clang)
#   make CC=clang   the same build with clang

CC      ?= cc
BUILD   ?= build
PKGS    := libevent libevent_openssl libconfig openssl zlib
SAN     ?=

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wvla -Wformat=2 -Wno-format-nonliteral
OPT     ?= -O2 -g
CFLAGS  += $(OPT) -std=c17 $(WARN) -D_GNU_SOURCE -Iinclude $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -levent -levent_openssl -lconfig -lssl -lcrypto -lz)

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
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/replay/%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=build-fuzz/%)
DEPS      := $(LIB_OBJS:.o=.d) $(BUILD)/src/main.d

BIN := bin/turnpike
ifneq ($(BUILD),build)
BIN := $(BUILD)/bin/turnpike
endif

.PHONY: all run check deps test-deps tests asan fuzz fuzz-build clean lint format-check

all: $(BIN)

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

# Fuzz targets built as plain programs that replay their corpus (no clang needed).
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(BUILD)/libturnpike.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/libturnpike.a $(LDFLAGS) $(LDLIBS)

tests: $(BIN) $(UNIT_BINS) $(TOOL_BINS) $(REPLAY_BINS)

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	./bin/turnpike -c etc/turnpike.conf

# Everything: the normal build, the ASan+UBSan build (unit tests and fuzz
# replay run under it), and integration tests against the real binary.
check: test-deps
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT="-O1 -g" tests
	@tests/run.sh

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT="-O1 -g" tests

# libFuzzer (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c17 -g -O1 -D_GNU_SOURCE -Iinclude -fsanitize=fuzzer,address,undefined
fuzz-build: $(FUZZ_BINS)

build-fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p build-fuzz
	clang $(FUZZ_CFLAGS) -o $@ $< $(LIB_SRCS) $(LDLIBS)

fuzz: fuzz-build
	@for f in $(FUZZ_BINS); do \
	  n=$$(basename $$f); c=tests/fuzz/corpus/$${n#fuzz_}; mkdir -p build-fuzz/new-$$n; \
	  echo "== $$n ($(FUZZ_SECONDS)s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 build-fuzz/new-$$n $$c || exit 1; \
	done

# The pure modules never touch sockets, libevent or the clock.
PURE := src/stun src/turn src/alloc src/auth
lint:
	@! grep -nE '#include <event2/|[^_a-z](socket|bind|sendto|recvfrom|recvmsg|sendmsg|time|clock_gettime|gettimeofday)[ ]*\(' \
	  $$(find $(PURE) -name '*.c') || { echo "lint: pure modules must not do I/O or read clocks"; exit 1; }
	@echo "lint: ok"

clean:
	rm -rf build build-asan build-fuzz bin

-include $(DEPS)
