// How many tests `swift test` runs at once (issue 16).
//
// Swift Testing starts every test of the package at the same moment unless told otherwise
// (its default width is unbounded). Hato's suite has about 1,350 tests, several hundred of which
// start a Python client, a `hato serve`, gpg, PostgreSQL or Chromium: on two cores the first
// minute of a full run had hundreds of processes and a load average above 40, and tests whose
// clients wait 20–60 s for an answer failed although nothing was wrong but the queue for CPU.
// Bounding the width keeps the CPU work the same but lets each running test finish in the time
// its clients allow; the rest wait their turn without a clock running.
//
// Swift Testing reads SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH once, after every image of
// the test process is loaded, so a constructor here sets it in time. The variable is only set when
// absent: `SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=N swift test` still chooses. A toolchain
// that drops the variable runs unbounded again, as before; nothing else depends on it.
#include <stdlib.h>

__attribute__((constructor)) static void hato_bound_test_run_width(void) {
    setenv("SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH", "8", 0);
}
