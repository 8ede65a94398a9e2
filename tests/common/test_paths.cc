// The one translation unit compiled with the checkout's absolute paths (see test_paths.h).
#include "tests/common/test_paths.h"

namespace hadirector::testing {
const char* source_dir() { return HD_TEST_PATH_SOURCE; }
const char* test_data_dir() { return HD_TEST_PATH_DATA; }
const char* binary_dir() { return HD_TEST_PATH_BINARY; }
}  // namespace hadirector::testing
