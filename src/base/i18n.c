/* i18n.c: see i18n.h. */
#include "config.h"

#include "base/i18n.h"

#include <locale.h>
#include <stdlib.h>

void kt_i18n_init(void)
{
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C");
    const char *localedir = getenv("KRONOS_TUI_LOCALEDIR");
    bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    textdomain(PACKAGE);
}
