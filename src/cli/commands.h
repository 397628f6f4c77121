/* commands.h: the kronos-tui subcommands. Each takes the arguments after
 * its name (argv[0] is the subcommand) and returns a kt_exit code. */
#ifndef KT_COMMANDS_H
#define KT_COMMANDS_H

int kt_cmd_forecast(int argc, char **argv);  /* src/cli/cmd_forecast.c */
int kt_cmd_device(int argc, char **argv);    /* src/cli/cmd_device.c */
int kt_cmd_train(int argc, char **argv);     /* src/cli/cmd_train.c */
int kt_cmd_models(int argc, char **argv);    /* src/cli/cmd_models.c */

#endif /* KT_COMMANDS_H */
