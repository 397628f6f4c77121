/* commands.h: the kronos-tui subcommands. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns a kt_exit code. */
#ifndef KT_COMMANDS_H
#define KT_COMMANDS_H

int kt_cmd_forecast(int argc, char **argv);  /* src/cli/cmd_forecast.c */
int kt_cmd_device(int argc, char **argv);    /* src/cli/cmd_device.c */
int kt_cmd_train(int argc, char **argv);     /* src/cli/cmd_train.c */
int kt_cmd_models(int argc, char **argv);    /* src/cli/cmd_models.c */
int kt_cmd_merge(int argc, char **argv);     /* src/cli/cmd_merge.c */

/* --shard on the evaluation (src/cli/cmd_merge.c, run/shard.h). */
#include <stddef.h>

#include "eval/evalcfg.h"
#include "run/shard.h"

typedef struct kt_shard_argv {
    int argc;
    char **argv;          /* argv without --shard; --resume DIR made DIR/shard-I */
    int given;
    kt_shard_spec spec;
    char root[1024];      /* --resume's DIR, when rewritten */
    char resume_dir[1100];
} kt_shard_argv;
/* Takes --shard out of argv (sa->argv, free with kt_shard_argv_free).
 * -1 to go on, or an exit code (bad --shard, message printed). */
int kt_shard_argv_take(kt_shard_argv *sa, int argc, char **argv);
void kt_shard_argv_free(kt_shard_argv *sa);
/* After the options: no --shard: refuses a sharded run's directory; with
 * --shard: resolves I/N against DIR's plan and the Slurm variables and
 * makes cfg->output_dir DIR/shard-I (root gets DIR). -1 to go on, or an
 * exit code (message printed). */
int kt_shard_setup(const kt_shard_argv *sa, kt_evalcfg *cfg, int *index, int *count, char *root,
                   size_t rootlen);

/* The evaluation's scorer: the model of cfg with its threads, memory
 * budget and sampling (src/cli/main.c). KT_EXIT_OK or KT_EXIT_MODEL with
 * err. */
struct kt_scorer;
int kt_cli_open_scorer(const kt_evalcfg *cfg, struct kt_scorer **sc, char *err, size_t errlen);

#endif /* KT_COMMANDS_H */
