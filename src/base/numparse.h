/* numparse.h: whole decimal numbers from the command line, config files
 * and the project's own text files, checked to the end of the field. */
#ifndef KT_NUMPARSE_H
#define KT_NUMPARSE_H

#include <stdint.h>

/* s as a base-10 long from lo to hi, nothing after it (strtol's syntax:
 * leading blanks and a sign allowed). 0 and *out set, else -1 and *out
 * untouched. Callers say what was wrong in their own words. */
int kt_parse_long(const char *s, long lo, long hi, long *out);

/* s as a base-10 unsigned 64-bit number, nothing after it, no sign.
 * 0 and *out set, else -1 and *out untouched. */
int kt_parse_u64(const char *s, uint64_t *out);

/* s as up to max comma-separated whole numbers, each from lo to hi:
 * their count (>= 1) with out[0..count) set, else -1. */
int kt_parse_int_list(const char *s, long lo, long hi, int *out, int max);

#endif /* KT_NUMPARSE_H */
