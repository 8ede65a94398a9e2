#!/usr/bin/env bash
# The README's test command: installs what is missing, then
#   1. a normal build (-O2) and every test in it: unit, namespace (real binaries), fuzz-corpus
#      replays, and the real-IPVS tests under qemu;
#   2. an ASan+UBSan build (-O1, leaks fatal) of the unit tests, the daemon and the namespace
#      tests, run under the sanitizers (every process the tests start reports into one folder,
#      and any report fails the run);
#   3. libFuzzer (clang-19, ASan+UBSan) on every parser for a few seconds (scripts/fuzz.sh).
# Namespace and kernel tests need root; without it they skip and say why. Sized for CI on
# 2 cores: debug info is left out of these builds to keep compile and link time down.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/setup-deps.sh

# ccache, when installed, makes a rebuild of unchanged sources a cache hit. Paths are made
# relative to the checkout so clones in other directories share the cache; the precompiled
# headers need the sloppiness settings; the sanitizer build's -g1 would otherwise put the
# build directory into every hash (its debug info may then name another clone's path).
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_NOHASHDIR=1
  export CCACHE_BASEDIR=$PWD CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
fi

configure() {  # configure DIR [cmake args...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 "$@" >/dev/null
}

# Runs the unit and namespace tests of a sanitizer build. The daemons the namespace tests start
# are sanitized too, and a report from a worker would otherwise vanish with the worker (the
# supervisor just restarts it): every process writes its reports under one folder instead,
# and any file there fails the run after printing it.
sanitizer_run() {  # sanitizer_run DIR [ctest args...]
  local dir=$1; shift
  local reports=$PWD/$dir/sanitizer-reports
  rm -rf "$reports"; mkdir -p "$reports"
  local status=0
  ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$reports/asan UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$reports/ubsan \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" -L 'unit|netns' "$@" || status=$?
  if compgen -G "$reports/*" >/dev/null; then
    echo "sanitizer reports:"; tail -n +1 "$reports"/*; status=1
  fi
  return $status
}

echo "== build: normal"
configure build
cmake --build build -j "$jobs"

echo "== build: ASan+UBSan unit and namespace tests"
configure build-asan -DHD_SANITIZE=ON -DHD_KERNEL_TESTS=OFF
cmake --build build-asan -j "$jobs" --target unit_tests netns_tests

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== tests: normal build"
ctest --test-dir build --output-on-failure -j "$jobs" "$@"
echo "== tests: ASan+UBSan build (unit and namespace)"
sanitizer_run build-asan "$@"
# libFuzzer with clang-19, ASan and UBSan: every fuzz target for a few seconds on its corpus
# (scripts/fuzz.sh 300 for a longer session). HD_FUZZ_SECONDS=0 skips it.
if ((${HD_FUZZ_SECONDS:-8} > 0)); then
  echo "== fuzzing: ${HD_FUZZ_SECONDS:-8} s per target"
  scripts/fuzz.sh "${HD_FUZZ_SECONDS:-8}"
fi
