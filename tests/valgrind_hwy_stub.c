/* valgrind_hwy_stub.c: lets valgrind 3.19 run kronos-tui (test-only).
 *
 * libtorch pulls in libavcodec -> libjxl -> libhwy, whose library
 * constructor calls hwy::platform::TimerResolution(), which executes
 * RDTSCP; valgrind 3.19 does not know that instruction and kills the
 * process with SIGILL before main(). The constructor calls the function
 * through the PLT, so preloading this definition replaces it. Nothing in
 * kronos-tui uses the timer. Build:
 *   $(CC) -shared -fPIC -o tests/valgrind_hwy_stub.so tests/valgrind_hwy_stub.c */
#include <stdint.h>

/* hwy::platform::TimerResolution() */
uint64_t _ZN3hwy8platform15TimerResolutionEv(void);
uint64_t _ZN3hwy8platform15TimerResolutionEv(void)
{
    return 1;
}
