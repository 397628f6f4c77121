#include "config.h"
#include "commands.h"
#include "exitcodes.h"
int kt_cmd_device(int argc, char **argv) { (void)argc; (void)argv; return KT_EXIT_FAILURE; }
