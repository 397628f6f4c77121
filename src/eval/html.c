/* html.c: the report's Markdown as one self-contained HTML page. See html.h. */
#include "config.h"

#include "eval/html.h"

#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"

#define MAX_SVG (64L << 20)

static const char css[] =
    ":root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;"
    "--head:#f6f8fa;--code:#eff2f5;--link:#0969da}\n"
    "@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;"
    "--line:#3d444d;--head:#151b23;--code:#1f2630;--link:#4493f8}}\n"
    "html{background:var(--bg);color:var(--fg)}\n"
    "body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",\"DejaVu Sans\",sans-serif;"
    "max-width:1040px;margin:0 auto;padding:24px 20px 48px}\n"
    "h1{font-size:1.6em;border-bottom:1px solid var(--line);padding-bottom:.3em}\n"
    "h2{font-size:1.3em;margin-top:1.8em;border-bottom:1px solid var(--line);padding-bottom:.2em}\n"
    "table{border-collapse:collapse;margin:12px 0;display:block;overflow-x:auto;"
    "font-variant-numeric:tabular-nums}\n"
    "th,td{border:1px solid var(--line);padding:4px 10px;text-align:left;vertical-align:top}\n"
    "th{background:var(--head)}\n"
    "code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;background:var(--code);"
    "border-radius:4px}\n"
    "code{padding:1px 4px;font-size:.92em}\n"
    "pre{padding:10px 12px;overflow-x:auto;line-height:1.25}\n"
    "pre code{padding:0;background:none}\n"
    "a{color:var(--link)}\n"
    "figure{margin:18px 0}\n"
    "figure .plot{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}\n"
    "figure svg{display:block;width:100%;height:auto}\n"
    "figcaption{color:var(--muted);font-size:.92em;margin-top:6px}\n"
    ".missing{color:var(--muted);font-style:italic}\n";

void kt_html_escape(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default: fputc(s[i], out); break;
        }
    }
}

/* The first occurrence of c in s[i..n), or n. */
static size_t find(const char *s, size_t i, size_t n, const char *c)
{
    size_t k = strlen(c);
    for (; i + k <= n; i++)
        if (memcmp(s + i, c, k) == 0)
            return i;
    return n;
}

/* Inline Markdown: **bold**, `code`, [text](url); the rest escaped. */
static void inline_md(FILE *out, const char *s, size_t n)
{
    size_t i = 0, plain = 0;
    while (i < n) {
        size_t end;
        if (s[i] == '*' && i + 1 < n && s[i + 1] == '*' &&
            (end = find(s, i + 2, n, "**")) < n) {
            kt_html_escape(out, s + plain, i - plain);
            fputs("<strong>", out);
            inline_md(out, s + i + 2, end - i - 2);
            fputs("</strong>", out);
            i = plain = end + 2;
        } else if (s[i] == '`' && (end = find(s, i + 1, n, "`")) < n) {
            kt_html_escape(out, s + plain, i - plain);
            fputs("<code>", out);
            kt_html_escape(out, s + i + 1, end - i - 1);
            fputs("</code>", out);
            i = plain = end + 1;
        } else if (s[i] == '[' && (end = find(s, i + 1, n, "](")) < n &&
                   find(s, end, n, ")") < n) {
            size_t close = find(s, end + 2, n, ")");
            kt_html_escape(out, s + plain, i - plain);
            fputs("<a href=\"", out);
            kt_html_escape(out, s + end + 2, close - end - 2);
            fputs("\">", out);
            inline_md(out, s + i + 1, end - i - 1);
            fputs("</a>", out);
            i = plain = close + 1;
        } else {
            i++;
        }
    }
    kt_html_escape(out, s + plain, n - plain);
}

/* The whole file (NUL-terminated), or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 131072;
            char *nb = (long)cap > MAX_SVG ? NULL : realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t k = fread(buf + n, 1, 65536, f);
        n += k;
        if (k == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Copies an SVG document from its root element on, every id and every
 * reference to one (id="x", href="#x", url(#x)) prefixed with pfx: the
 * documents come from cairo, which numbers ids per document, so two
 * inline figures would otherwise share ids. A <title> follows the root
 * tag. Returns 0, or -1 when s holds no <svg> root. */
static int inline_svg(FILE *out, const char *s, size_t n, const char *pfx, const char *title,
                      size_t tlen)
{
    size_t i = find(s, 0, n, "<svg");
    if (i >= n)
        return -1;
    size_t root_end = find(s, i, n, ">");
    if (root_end >= n)
        return -1;
    static const char *const pats[3] = {" id=\"", "href=\"#", "url(#"};
    size_t plain = i;
    while (i < n) {
        int hit = -1;
        for (int p = 0; p < 3 && hit < 0; p++) {
            size_t k = strlen(pats[p]);
            if (i + k <= n && memcmp(s + i, pats[p], k) == 0)
                hit = p;
        }
        if (i == root_end) {
            fwrite(s + plain, 1, i + 1 - plain, out);
            fputs("<title>", out);
            kt_html_escape(out, title, tlen);
            fputs("</title>", out);
            plain = ++i;
            continue;
        }
        if (hit < 0) {
            i++;
            continue;
        }
        i += strlen(pats[hit]);
        fwrite(s + plain, 1, i - plain, out);
        fputs(pfx, out);
        plain = i;
    }
    fwrite(s + plain, 1, n - plain, out);
    return 0;
}

/* A line that is only ![caption](figures/NAME.png): the figure, inline. */
static int figure(FILE *out, const char *s, size_t n, const char *base_dir, int *count)
{
    if (n < 5 || s[0] != '!' || s[1] != '[' || s[n - 1] != ')')
        return 0;
    size_t mid = find(s, 2, n, "](");
    if (mid >= n)
        return 0;
    const char *src = s + mid + 2;
    size_t slen = n - 1 - (mid + 2);
    if (slen < 5 || memcmp(src + slen - 4, ".png", 4) != 0 || memchr(src, '"', slen) ||
        find(src, 0, slen, "..") < slen || src[0] == '/')
        return 0;
    char path[2048];
    snprintf(path, sizeof path, "%s/%.*s.svg", base_dir, (int)(slen - 4), src);
    size_t len = 0;
    char *svg = slurp(path, &len);
    const char *cap = s + 2;
    size_t clen = mid - 2;
    fputs("<figure>\n<div class=\"plot\">", out);
    char pfx[32];
    snprintf(pfx, sizeof pfx, "f%d-", *count + 1);
    if (svg && inline_svg(out, svg, len, pfx, cap, clen) == 0) {
        (*count)++;
    } else {
        fputs("<p class=\"missing\">", out);
        kt_html_escape(out, src, slen - 4);
        fputs(".svg: ", out);
        kt_html_escape(out, _("figure file missing"), strlen(_("figure file missing")));
        fputs("</p>", out);
    }
    free(svg);
    fputs("</div>\n<figcaption>", out);
    inline_md(out, cap, clen);
    fputs("</figcaption>\n</figure>\n", out);
    return 1;
}

/* ---- blocks --------------------------------------------------------------- */

typedef struct blocks {
    FILE *out;
    int para;       /* a <p> is open */
    int list;       /* nesting depth of open <ul> */
    int table;      /* 0 none, 1 header row next, 2 body */
    int code;       /* inside ``` */
} blocks;

static void close_para(blocks *b)
{
    if (b->para)
        fputs("</p>\n", b->out);
    b->para = 0;
}

static void close_list(blocks *b)
{
    for (; b->list > 0; b->list--)
        fputs("</li></ul>\n", b->out);
}

static void close_table(blocks *b)
{
    if (b->table == 2)
        fputs("</tbody></table>\n", b->out);
    else if (b->table == 1)
        fputs("</table>\n", b->out);
    b->table = 0;
}

static void close_all(blocks *b)
{
    close_para(b);
    close_list(b);
    close_table(b);
}

static void list_item(blocks *b, int level, const char *s, size_t n)
{
    close_para(b);
    close_table(b);
    if (b->list > level) {
        for (; b->list > level; b->list--)
            fputs("</li></ul>\n", b->out);
    }
    if (b->list == level)
        fputs("</li>\n", b->out);
    for (; b->list < level; b->list++)
        fputs("<ul>\n", b->out);
    fputs("<li>", b->out);
    inline_md(b->out, s, n);
}

/* A "| a | b |" row; the separator row (cells of - and :) is skipped. */
static void table_row(blocks *b, const char *s, size_t n)
{
    close_para(b);
    close_list(b);
    size_t i = 1;
    int sep = 1;
    for (size_t k = 0; k < n; k++)
        if (!strchr("|-: ", s[k]))
            sep = 0;
    if (sep && b->table == 1) {
        fputs("<tbody>\n", b->out);
        b->table = 2;
        return;
    }
    const char *cell = "td";
    if (b->table == 0) {
        fputs("<table>\n<thead>\n", b->out);
        cell = "th";
    }
    fputs("<tr>", b->out);
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '|')
            j++;
        size_t a = i, z = j;
        while (a < z && s[a] == ' ')
            a++;
        while (z > a && s[z - 1] == ' ')
            z--;
        if (j < n || a < z) {
            fprintf(b->out, "<%s>", cell);
            inline_md(b->out, s + a, z - a);
            fprintf(b->out, "</%s>", cell);
        }
        i = j + 1;
    }
    fputs("</tr>\n", b->out);
    if (b->table == 0) {
        fputs("</thead>\n", b->out);
        b->table = 1;
    }
}

static void title_of(const char *md, size_t len, const char **t, size_t *tn)
{
    *t = "";
    *tn = 0;
    for (size_t i = 0; i < len;) {
        size_t e = find(md, i, len, "\n");
        if (e - i > 2 && md[i] == '#' && md[i + 1] == ' ') {
            *t = md + i + 2;
            *tn = e - i - 2;
            return;
        }
        i = e + 1;
    }
}

int kt_html_write(FILE *out, const char *md, size_t len, const char *base_dir)
{
    const char *title;
    size_t tn;
    title_of(md, len, &title, &tn);
    fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light dark\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n<title>",
          out);
    kt_html_escape(out, title, tn);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
    blocks b = {.out = out};
    int figures = 0;
    for (size_t i = 0; i < len;) {
        size_t e = find(md, i, len, "\n");
        const char *s = md + i;
        size_t n = e - i;
        i = e + 1;
        if (n >= 3 && memcmp(s, "```", 3) == 0) {
            close_all(&b);
            fputs(b.code ? "</code></pre>\n" : "<pre><code>", out);
            b.code = !b.code;
            continue;
        }
        if (b.code) {
            kt_html_escape(out, s, n);
            fputc('\n', out);
            continue;
        }
        if (n == 0) {
            close_all(&b);
            continue;
        }
        int h = 0;
        while ((size_t)h < n && h < 6 && s[h] == '#')
            h++;
        if (h > 0 && (size_t)h < n && s[h] == ' ') {
            close_all(&b);
            fprintf(out, "<h%d>", h);
            inline_md(out, s + h + 1, n - (size_t)h - 1);
            fprintf(out, "</h%d>\n", h);
        } else if (s[0] == '|') {
            table_row(&b, s, n);
        } else if (n >= 2 && s[0] == '-' && s[1] == ' ') {
            list_item(&b, 1, s + 2, n - 2);
        } else if (n >= 4 && memcmp(s, "  - ", 4) == 0) {
            list_item(&b, 2, s + 4, n - 4);
        } else if (s[0] == '!' && (close_all(&b), figure(out, s, n, base_dir, &figures))) {
            continue;
        } else {
            close_list(&b);
            close_table(&b);
            fputs(b.para ? "\n" : "<p>", out);
            b.para = 1;
            inline_md(out, s, n);
        }
    }
    if (b.code)
        fputs("</code></pre>\n", out);
    close_all(&b);
    fputs("</body>\n</html>\n", out);
    return figures;
}
