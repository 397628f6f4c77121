/* i18n.h: gettext wrappers. Every user-facing string goes through _(),
 * N_() (static tables) or ngettext() (plurals). Machine-read outputs
 * (CSV headers, JSON keys, file names) are never translated. */
#ifndef KT_I18N_H
#define KT_I18N_H

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(s, p, n) ((n) == 1 ? (s) : (p))
#define textdomain(d) (d)
#define bindtextdomain(d, dir) (d)
#define bind_textdomain_codeset(d, c) (c)
#endif
#define N_(s) (s)

/* Every program's first step after choosing its BLAS kernel: messages in
 * the user's language, numbers in CSV/JSON outputs and parsed inputs
 * always with '.'. KRONOS_TUI_LOCALEDIR: the catalogs of an uninstalled
 * build (tests). */
void kt_i18n_init(void);

#endif /* KT_I18N_H */
