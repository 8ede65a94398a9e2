#!/usr/bin/env bash
# The README's test command: installs what is missing, builds hadirector twice (a normal build
# and an ASan+UBSan build), runs every test with ctest in both, then fuzzes every parser briefly
# (scripts/fuzz.sh). Namespace tests need root; without it they skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup-deps.sh

build() {  # build DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

build build
# The kernel tests run Debian's kernel under qemu; once, in the normal build, is enough.
build build-asan -DHD_SANITIZE=ON -DHD_KERNEL_TESTS=OFF

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests: normal build"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
echo "== tests: ASan+UBSan build"
ctest --test-dir build-asan --output-on-failure -j "$jobs" "$@"
# libFuzzer with clang-19, ASan and UBSan: every fuzz target for a few seconds on its corpus
# (scripts/fuzz.sh 300 for a longer session). HD_FUZZ_SECONDS=0 skips it.
if ((${HD_FUZZ_SECONDS:-8} > 0)); then
  echo "== fuzzing: ${HD_FUZZ_SECONDS:-8} s per target"
  scripts/fuzz.sh "${HD_FUZZ_SECONDS:-8}"
fi
