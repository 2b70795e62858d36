// Nothing to call: the one function in this target runs as the test process loads (see
// test_run_width.c). The header exists because SwiftPM wants a public headers directory.
#pragma once
