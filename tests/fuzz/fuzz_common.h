/*
 * fuzz_common: what every fuzz target shares.
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with
 * --enable-fuzzing and clang it links libFuzzer; otherwise it links
 * replay.c, whose main() feeds it the files of a seed corpus, so
 * `make check` replays every corpus with any compiler.
 */
#ifndef TESTS_FUZZ_COMMON_H
#define TESTS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
