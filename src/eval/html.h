/* html.h: REPORT.html from the report's Markdown, so the sections are
 * written once (report.c) and rendered twice. One self-contained page:
 * styles inline (light and dark through prefers-color-scheme), no script,
 * no external resource (a Content-Security-Policy forbids any load), and
 * each figure's SVG inline.
 *
 * The Markdown is the subset the reports use: "#" headings, paragraphs,
 * "- " and "  - " lists, "|" tables (the second line the separator),
 * ``` code blocks, **bold**, `code`, [text](url), and figures: a line
 * that is only ![caption](figures/NAME.png) becomes the SVG of
 * BASE_DIR/figures/NAME.svg, inline, with the caption. All text is
 * HTML-escaped. */
#ifndef KT_HTML_H
#define KT_HTML_H

#include <stddef.h>
#include <stdio.h>

/* Writes the page to out; returns the number of SVG figures inlined (a
 * figure whose SVG cannot be read is shown as its caption and a note).
 * Write errors are left in ferror(out). */
int kt_html_write(FILE *out, const char *md, size_t len, const char *base_dir);

/* Writes s[0..n) HTML-escaped (& < > " '). */
void kt_html_escape(FILE *out, const char *s, size_t n);

#endif /* KT_HTML_H */
