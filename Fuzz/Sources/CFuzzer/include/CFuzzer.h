#ifndef SHOTVAE_CFUZZER_H
#define SHOTVAE_CFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library):
/// parses the libFuzzer flags in argv and calls UserCb once per input. Linked in by
/// `-sanitize=fuzzer`.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
