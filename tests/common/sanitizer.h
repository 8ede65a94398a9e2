// Whether the tests (and the daemons built beside them) run under AddressSanitizer. A few
// checks measure what the sanitizer itself changes: locked memory (its shadow cannot be
// locked), RSS growth (its quarantine keeps freed memory) and request rates of sanitized
// clients. Those checks say so and step aside; the normal build runs them.
#pragma once

namespace hadirector::testing {
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif
}  // namespace hadirector::testing
