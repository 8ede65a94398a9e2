#!/usr/bin/env bash
# The README's test command: installs what is missing, then
#   1. a normal build (-O2) and every test in it: unit, namespace (real binaries), fuzz-corpus
#      replays, and the real-IPVS tests under qemu;
#   2. an ASan+UBSan build (-O1, leaks fatal) of the unit tests, run under the sanitizers;
#   3. libFuzzer (clang-19, ASan+UBSan) on every parser for a few seconds (scripts/fuzz.sh).
# Namespace and kernel tests need root; without it they skip and say why. Sized for CI on
# 2 cores: debug info is left out of these builds to keep compile and link time down.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup-deps.sh

# ccache, when installed, makes a rebuild of unchanged sources a cache hit. Paths are made
# relative to the checkout so clones in other directories share the cache; the precompiled
# headers need the sloppiness settings.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR=$PWD CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
fi

configure() {  # configure DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 "$@" >/dev/null
}

echo "== build: normal"
configure build
cmake --build build -j "$jobs"

echo "== build: ASan+UBSan unit tests"
configure build-asan -DHD_SANITIZE=ON -DHD_KERNEL_TESTS=OFF
cmake --build build-asan -j "$jobs" --target unit_tests

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests: normal build"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
echo "== tests: ASan+UBSan build (unit)"
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L unit "$@"
# libFuzzer with clang-19, ASan and UBSan: every fuzz target for a few seconds on its corpus
# (scripts/fuzz.sh 300 for a longer session). HD_FUZZ_SECONDS=0 skips it.
if ((${HD_FUZZ_SECONDS:-8} > 0)); then
  echo "== fuzzing: ${HD_FUZZ_SECONDS:-8} s per target"
  scripts/fuzz.sh "${HD_FUZZ_SECONDS:-8}"
fi
