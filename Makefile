# scst: the two commands a newcomer needs are `make run` and `make test`.
# Both install what is missing (Debian 12, as root), build, and go.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FILE       ?= /var/tmp/scst-default.img
PORTAL     ?= 127.0.0.1:3260

# Packages the build, the tests and `make run` need.
DEPS = meson ninja-build pkg-config gcc liburing-dev libisal-dev libcmocka-dev libssl-dev \
       libiscsi-dev libiscsi-bin qemu-utils qemu-block-extra util-linux
BENCH_DEPS = tgt istgt linux-perf

.PHONY: all deps run test unit bench clean format check-format

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD)

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debug

deps:
	@scripts/install-deps.sh $(DEPS)

run: deps all
	build/scstd -f --default --default-file $(FILE) --portal $(PORTAL)

# Every test, twice: a normal build and an ASan+UBSan build. One summary line.
test: deps
	$(MAKE) all
	$(MAKE) $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	tests/run.sh $(BUILD) $(ASAN_BUILD)

# Unit tests of the normal build only (quick loop while developing).
unit: all
	tests/run.sh --unit-only $(BUILD)

bench: deps all
	@scripts/install-deps.sh $(BENCH_DEPS)
	bench/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
