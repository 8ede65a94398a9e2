// Where the tests find the source tree, its test data and the build tree.
// The absolute paths are compiled into test_paths.cc alone, so the compiler cache still hits
// for every other test file when the checkout lives in another directory (CI clones).
#pragma once

namespace hadirector::testing {
const char* source_dir();     // the checkout: etc/, systemd/, daemon/man/...
const char* test_data_dir();  // tests/data
const char* binary_dir();     // the build tree: daemon/hadirectord...
}  // namespace hadirector::testing

#define HD_SOURCE_DIR (::hadirector::testing::source_dir())
#define HD_TEST_DATA_DIR (::hadirector::testing::test_data_dir())
#define HD_BINARY_DIR (::hadirector::testing::binary_dir())
