/* numparse.h: whole decimal numbers from the command line, config files
 * and the project's own text files, checked to the end of the field. */
#ifndef KT_NUMPARSE_H
#define KT_NUMPARSE_H

/* s as a base-10 long from lo to hi, nothing after it (strtol's syntax:
 * leading blanks and a sign allowed). 0 and *out set, else -1 and *out
 * untouched. Callers say what was wrong in their own words. */
int kt_parse_long(const char *s, long lo, long hi, long *out);

#endif /* KT_NUMPARSE_H */
