/*
 * ui_script.c - text in any script the installed fonts cover: names like Zoë, 李 and مريم.
 *
 * SDL2_ttf 2.20 renders a string with one font and one direction, and DejaVu (the station's font) has
 * Latin, Greek, Cyrillic and Arabic but no Chinese, Japanese or Korean. So a string is cut into runs:
 * each run is the longest stretch of characters that one font has (DejaVu first, then the fallback,
 * Droid Sans Fallback from Debian's fonts-droid-fallback) and that goes one way. A right-to-left run
 * (Arabic, Hebrew) is shaped by HarfBuzz (which SDL2_ttf is built with on Debian) with its direction
 * and script set, so Arabic letters join as they should. The runs are rendered one by one and put side
 * by side on their common baseline; when the first letter of the text is right-to-left the runs go from
 * right to left too (a one-level bidi: enough for names and labels, not for mixed paragraphs).
 *
 * ui_text.c calls ui_script_render and ui_script_size wherever it rendered or measured with SDL_ttf, so
 * every label of every view (the home, the test screen) gets the fallback; a string in one run of the
 * main font (nearly every label) takes SDL_ttf's own path with no copy.
 */
#include <string.h>

#include "station/ui/home.h"
#include "station/ui/ui_priv.h"

#define MAX_RUNS 32
#define RUN_BUF 1024

struct run {
    size_t start, len;
    bool fallback;      /* drawn with the fallback font */
    bool rtl;           /* a right-to-left script */
    const char *script; /* ISO 15924 name for HarfBuzz, NULL = leave it to the font */
};

/* Decodes one UTF-8 character at s (never past its NUL); *n gets its bytes (at least 1). Invalid bytes
 * decode as U+FFFD, one byte each. */
static uint32_t utf8_next(const unsigned char *s, size_t *n)
{
    uint32_t c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0) {
        *n = 1;
        return 0xfffd;
    }
    if (len == 1) {
        *n = 1;
        return c;
    }
    c &= 0x7fu >> len;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *n = i;
            return 0xfffd;
        }
        c = (c << 6) | (s[i] & 0x3f);
    }
    *n = len;
    return c;
}

static const char *rtl_script(uint32_t c)
{
    if ((c >= 0x0590 && c <= 0x05ff) || (c >= 0xfb1d && c <= 0xfb4f))
        return "Hebr";
    if ((c >= 0x0600 && c <= 0x08ff) || (c >= 0xfb50 && c <= 0xfdff) || (c >= 0xfe70 && c <= 0xfeff))
        return "Arab";
    return NULL;
}

/* ASCII spaces, digits and punctuation take the direction and font of the run they are in. */
static bool neutral(uint32_t c)
{
    return c < 0x80 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Cuts s into runs; returns their number (0 for an empty string). Neutral characters join the run they
 * are in; neutrals before the first letter take that letter's font and direction. */
static int split(struct ui *ui, TTF_Font *main_font, bool bold, int px, const char *s, struct run *runs,
                 TTF_Font **fb_out)
{
    /* The fallback is opened only for a character the main font lacks: nearly every label never needs
     * it, and a steady frame must not open fonts. */
    TTF_Font *fb = NULL;
    bool fb_tried = false;
    int n = 0;
    bool lettered = false; /* a letter was seen (the first run's font and direction are decided) */
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, len = 0; p[i]; i += len) {
        uint32_t c = utf8_next(p + i, &len);
        struct run *last = n > 0 ? &runs[n - 1] : NULL;
        /* A neutral the fallback font lacks (a comma after 李) goes back to the main font. */
        if (neutral(c) && last && (!last->fallback || TTF_GlyphIsProvided32(fb, c))) {
            last->len += len;
            continue;
        }
        struct run r = {i, len, false, false, NULL};
        if (!neutral(c)) { /* (a neutral here starts the text, or leaves a fallback run: main font) */
            r.script = rtl_script(c);
            r.rtl = r.script != NULL;
            if (!TTF_GlyphIsProvided32(main_font, c)) {
                if (!fb_tried)
                    fb = ui_font_fallback(ui, bold, px);
                fb_tried = true;
                r.fallback = fb && TTF_GlyphIsProvided32(fb, c);
            }
        }
        bool opening = !lettered && n == 1; /* only neutrals so far: they take this letter's way */
        if (last && (opening || n == MAX_RUNS ||
                     (last->fallback == r.fallback && last->rtl == r.rtl && last->script == r.script))) {
            if (opening) {
                last->fallback = r.fallback;
                last->rtl = r.rtl;
                last->script = r.script;
            }
            last->len += len;
        } else {
            runs[n++] = r;
        }
        lettered = lettered || !neutral(c);
    }
    *fb_out = fb;
    return n;
}

static bool plain(const struct run *runs, int n)
{
    return n <= 1 && (n == 0 || (!runs[0].fallback && !runs[0].rtl));
}

static void run_text(const char *s, const struct run *r, char *buf)
{
    memcpy(buf, s + r->start, r->len);
    buf[r->len] = '\0';
}

static void set_direction(TTF_Font *f, const struct run *r, bool on)
{
    if (!r->rtl)
        return;
    TTF_SetFontDirection(f, on ? TTF_DIRECTION_RTL : TTF_DIRECTION_LTR);
    TTF_SetFontScriptName(f, on ? r->script : "Zzzz");
}

int ui_script_size(struct ui *ui, TTF_Font *main_font, bool bold, int px, const char *s, int *w, int *h)
{
    struct run runs[MAX_RUNS];
    TTF_Font *fb = NULL;
    size_t slen = strlen(s);
    int n = slen < RUN_BUF ? split(ui, main_font, bold, px, s, runs, &fb) : 0;
    if (slen >= RUN_BUF || plain(runs, n))
        return TTF_SizeUTF8(main_font, s, w, h);
    char buf[RUN_BUF];
    *w = 0;
    *h = TTF_FontHeight(main_font);
    for (int i = 0; i < n; i++) {
        TTF_Font *f = runs[i].fallback ? fb : main_font;
        int rw = 0, rh = 0;
        run_text(s, &runs[i], buf);
        set_direction(f, &runs[i], true);
        int rc = TTF_SizeUTF8(f, buf, &rw, &rh);
        set_direction(f, &runs[i], false);
        if (rc != 0)
            return rc;
        *w += rw;
        if (TTF_FontHeight(f) > *h)
            *h = TTF_FontHeight(f);
    }
    return 0;
}

SDL_Surface *ui_script_render(struct ui *ui, TTF_Font *main_font, bool bold, int px, const char *s)
{
    const SDL_Color white = {255, 255, 255, 255};
    struct run runs[MAX_RUNS];
    TTF_Font *fb = NULL;
    size_t slen = strlen(s);
    int n = slen < RUN_BUF ? split(ui, main_font, bold, px, s, runs, &fb) : 0;
    if (slen >= RUN_BUF || plain(runs, n))
        return TTF_RenderUTF8_Blended(main_font, s, white);

    SDL_Surface *part[MAX_RUNS] = {0};
    int ascent = 0, descent = 0, width = 0;
    char buf[RUN_BUF];
    for (int i = 0; i < n; i++) {
        TTF_Font *f = runs[i].fallback ? fb : main_font;
        run_text(s, &runs[i], buf);
        set_direction(f, &runs[i], true);
        part[i] = TTF_RenderUTF8_Blended(f, buf, white);
        set_direction(f, &runs[i], false);
        if (TTF_FontAscent(f) > ascent)
            ascent = TTF_FontAscent(f);
        if (TTF_FontHeight(f) - TTF_FontAscent(f) > descent)
            descent = TTF_FontHeight(f) - TTF_FontAscent(f);
        if (part[i])
            width += part[i]->w;
    }
    SDL_Surface *out = NULL;
    if (width > 0)
        out = SDL_CreateRGBSurfaceWithFormat(0, width, ascent + descent, 32, SDL_PIXELFORMAT_ARGB8888);
    if (out) {
        SDL_FillRect(out, NULL, 0);
        /* A text whose first run is right-to-left reads from the right: its runs go right to left. */
        bool rtl_text = runs[0].rtl;
        int x = rtl_text ? width : 0;
        for (int i = 0; i < n; i++) {
            if (!part[i])
                continue;
            TTF_Font *f = runs[i].fallback ? fb : main_font;
            if (rtl_text)
                x -= part[i]->w;
            SDL_Rect dst = {x, ascent - TTF_FontAscent(f), part[i]->w, part[i]->h};
            SDL_SetSurfaceBlendMode(part[i], SDL_BLENDMODE_NONE);
            SDL_BlitSurface(part[i], NULL, out, &dst);
            if (!rtl_text)
                x += part[i]->w;
        }
    }
    for (int i = 0; i < n; i++)
        SDL_FreeSurface(part[i]);
    return out;
}

bool ui_text_covered(struct ui *ui, const char *s)
{
    TTF_Font *main_font = ui_font_get(ui, false, 16);
    TTF_Font *fb = ui_font_fallback(ui, false, 16);
    if (!main_font || !s)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0, len = 0; p[i]; i += len) {
        uint32_t c = utf8_next(p + i, &len);
        if (c == 0xfffd || (!TTF_GlyphIsProvided32(main_font, c) && !(fb && TTF_GlyphIsProvided32(fb, c))))
            return false;
    }
    return true;
}
