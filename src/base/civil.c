/* civil.c: days <-> dates, after the well-known era/day-of-era method
 * (a 400-year era has 146097 days; March-based years put the leap day
 * last), and the date parser/formatter built on it. See civil.h. */
#include "config.h"

#include "base/civil.h"

#include <stdio.h>
#include <string.h>

int64_t kt_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void kt_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int kt_weekday(int64_t z)
{
    /* 1970-01-01 was a Thursday (Mon = 0 -> 3). */
    int64_t w = (z + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* ---- parsing and formatting ------------------------------------------- */

static int days_in_month(int y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int kt_time_parse(const char *s, kt_time *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    size_t len = strlen(s);
    if (len < 10 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    if (len > 10) {
        if ((s[10] != ' ' && s[10] != 'T') || len < 16 || digits(s + 11, 2, &h) || s[13] != ':' ||
            digits(s + 14, 2, &mi))
            return -1;
        const char *p = s + 16;
        if (*p == ':') {
            if (len < 19 || digits(p + 1, 2, &se))
                return -1;
            p += 3;
            if (*p == '.') /* fractional seconds: ignored */
                for (p++; *p >= '0' && *p <= '9'; p++)
                    ;
        }
        if (*p != '\0')
            return -1;
        if (h > 23 || mi > 59 || se > 59)
            return -1;
    }
    *out = kt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    return 0;
}

static int64_t day_of(kt_time t)
{
    return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

void kt_time_parts(kt_time t, int *year, int *month, int *day, int *hour, int *minute,
                   int *weekday)
{
    int64_t days = day_of(t);
    int64_t secs = t - days * 86400;
    int y, m, d;
    kt_civil_from_days(days, &y, &m, &d);
    if (year) *year = y;
    if (month) *month = m;
    if (day) *day = d;
    if (hour) *hour = (int)(secs / 3600);
    if (minute) *minute = (int)(secs % 3600 / 60);
    if (weekday) *weekday = kt_weekday(days);
}

void kt_time_format(kt_time t, int intraday, char *buf, size_t n)
{
    int y, m, d, h, mi;
    kt_time_parts(t, &y, &m, &d, &h, &mi, NULL);
    int se = (int)((t - day_of(t) * 86400) % 60);
    if (!intraday || (h == 0 && mi == 0 && se == 0))
        snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
    else if (se == 0)
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d", y, m, d, h, mi);
    else
        snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, mi, se);
}

void kt_time_format_full(kt_time t, char *buf, size_t n)
{
    int y, m, d, h, mi;
    kt_time_parts(t, &y, &m, &d, &h, &mi, NULL);
    int se = (int)((t - day_of(t) * 86400) % 60);
    snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, h, mi, se);
}
