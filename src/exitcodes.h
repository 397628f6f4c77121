/* exitcodes.h: what kronos-tui's exit status means (documented in
 * --help and kronos-tui(1)). */
#ifndef KT_EXITCODES_H
#define KT_EXITCODES_H

enum kt_exit {
    KT_EXIT_OK = 0,          /* success, including an empty result */
    KT_EXIT_FAILURE = 1,     /* unexpected internal failure */
    KT_EXIT_USAGE = 2,       /* bad command line or configuration */
    KT_EXIT_DATA = 3,        /* price data could not be used */
    KT_EXIT_MODEL = 4,       /* checkpoint / model error */
    KT_EXIT_DEVICE = 5,      /* a tensor was found off the CPU */
    KT_EXIT_IO = 6,          /* output could not be written, run dir locked */
    KT_EXIT_INTERRUPTED = 130 /* SIGINT/SIGTERM: completed work kept, resume with --resume */
};

#endif /* KT_EXITCODES_H */
