/* main.c: kronos-tui entry point: locale, subcommand dispatch. */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "exitcodes.h"
#include "i18n.h"

static void usage(FILE *out)
{
    fprintf(out, _("Usage: %s [COMMAND] [OPTIONS]\n"), PACKAGE);
    fputs(_("Commands:\n"
            "  forecast   forecast one series from a CSV file\n"
            "  device     print the device status (asserting CPU) and exit\n"), out);
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(PACKAGE, LOCALEDIR);
    textdomain(PACKAGE);

    if (argc >= 2 && strcmp(argv[1], "forecast") == 0)
        return kt_cmd_forecast(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "device") == 0)
        return kt_cmd_device(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return KT_EXIT_OK;
    }
    if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
        printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
        return KT_EXIT_OK;
    }
    usage(stderr);
    return KT_EXIT_USAGE;
}
