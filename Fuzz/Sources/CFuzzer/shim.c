// The declaration of libFuzzer's driver is in include/CFuzzer.h.
#include "CFuzzer.h"

// AddressSanitizer's defaults when the harness is built with -sanitize=fuzzer,address: no leak
// detection, since the Swift runtime's metadata caches and Foundation's Process look like leaks.
const char *__asan_default_options(void) { return "detect_leaks=0"; }
