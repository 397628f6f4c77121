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
    KT_EXIT_MISMATCH = 7,    /* --resume / reused run dir: data, model or settings differ,
                              * or the dir holds another run (rundir.c decides) */
    KT_EXIT_HUB = 8,         /* a model by name could not be had from the Hugging Face Hub
                              * (not found, not authorised, no network, offline and not
                              * cached, checksum mismatch; src/model/hub.h) */
    KT_EXIT_SHARDS_MISSING = 9, /* merge: shards missing or unfinished, nothing written
                                 * (run/shard.h; resubmit them with sbatch --array=...) */
    /* --status DIR only (0 = live or finished) */
    KT_EXIT_ST_FAILED = 10,  /* the run failed */
    KT_EXIT_ST_STOPPED = 11, /* the run was interrupted (resumable) */
    KT_EXIT_ST_STALE = 12,   /* no heartbeat for 3 intervals: the writer is gone */
    KT_EXIT_ST_MISSING = 13, /* no readable status.json */
    KT_EXIT_INTERRUPTED = 130 /* SIGINT/SIGTERM: completed work kept, resume with --resume */
};

#endif /* KT_EXITCODES_H */
