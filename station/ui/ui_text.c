/*
 * ui_text.c - fonts and text for the UI: SDL2_ttf fonts opened per pixel size (a small LRU of them),
 * and a bounded cache of rendered text textures per renderer.
 *
 * Why a cache: rendering text with FreeType and uploading it is the most expensive thing a frame
 * could do, and most labels never change. Each text is rendered once in its colour (the key is string
 * + font + size + colour: blit says why not tinted), an LRU of UI_TEXT_SLOTS textures per window.
 * Numbers that change every frame (the current force, the time axis, the countdown) are drawn glyph
 * by glyph from the same cache (UI_TX_GLYPHS): after the first frames a steady frame creates no
 * texture and allocates nothing. Sizes are quantised (ui_text_px) so resizing a window does not open
 * a font for every pixel size on the way. Texts drawn into the curve panel's layers (ui_plot.c) have
 * entries of their own (the key's layer): SDL's software renderer allocates whenever a texture is copied
 * onto another target than last time, and a digit shared by a tick label and a number would flip
 * between the two at every frame.
 */
#include <string.h>

#include "common/log.h"
#include "station/ui/ui_priv.h"

int ui_text_px(float px)
{
    int p = (int)(px + 0.5f);
    if (p < 8)
        return 8;
    if (p <= 24)
        return p;
    if (p <= 64)
        return p & ~1;
    if (p <= 160)
        return (p + 2) & ~3;
    if (p > 640)
        p = 640;
    return (p + 4) & ~7;
}

static TTF_Font *font_slot_get(struct ui *ui, struct ui_font_slot *slots, int n_slots, bool bold,
                               bool fallback, int px)
{
    struct ui_font_slot *free_slot = NULL, *lru = NULL;
    for (int i = 0; i < n_slots; i++) {
        struct ui_font_slot *f = &slots[i];
        if (!f->font) {
            if (!free_slot)
                free_slot = f;
            continue;
        }
        if (f->bold == bold && f->px == px) {
            f->used = ui->clock;
            return f->font;
        }
        if (!lru || f->used < lru->used)
            lru = f;
    }
    struct ui_font_slot *slot = free_slot ? free_slot : lru;
    const char *path = fallback ? ui->fallback_path : bold ? ui->bold_path : ui->font_path;
    TTF_Font *font = TTF_OpenFont(path, px);
    if (!font) {
        if (!ui->font_warned)
            ST_WARN("ui", "cannot open the font %s at %d px: %s", path, px, TTF_GetError());
        ui->font_warned = true;
        return NULL;
    }
    if (slot->font)
        TTF_CloseFont(slot->font);
    if (fallback && bold)
        TTF_SetFontStyle(font, TTF_STYLE_BOLD); /* the fallback has no bold face: FreeType emboldens it */
    slot->font = font;
    slot->bold = bold;
    slot->px = px;
    slot->used = ui->clock;
    return font;
}

TTF_Font *ui_font_get(struct ui *ui, bool bold, int px)
{
    return font_slot_get(ui, ui->fonts, UI_FONT_SLOTS, bold, false, px);
}

TTF_Font *ui_font_fallback(struct ui *ui, bool bold, int px)
{
    return ui->fallback_path[0] ? font_slot_get(ui, ui->fallback_fonts, UI_FALLBACK_SLOTS, bold, true, px)
                                : NULL;
}

static void slots_free(struct ui_font_slot *slots, int n)
{
    for (int i = 0; i < n; i++) {
        if (slots[i].font)
            TTF_CloseFont(slots[i].font);
        slots[i].font = NULL;
    }
}

void ui_fonts_free(struct ui *ui)
{
    slots_free(ui->fonts, UI_FONT_SLOTS);
    slots_free(ui->fallback_fonts, UI_FALLBACK_SLOTS);
}

void ui_text_cache_free(struct ui_win *w)
{
    for (int i = 0; i < UI_TEXT_SLOTS; i++) {
        if (w->text[i].tex)
            SDL_DestroyTexture(w->text[i].tex);
        w->text[i].tex = NULL;
    }
}

static uint32_t text_hash(const char *s, size_t len, bool bold, int px, int layer)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    h ^= (uint32_t)(px + 4096 * layer) * 2654435761u;
    return bold ? ~h : h;
}

#define ANY_RGB 0xff000000u /* text_get for a width: an entry of any colour will do */

/* The surface's pixels in rgb, their coverage (alpha) kept: what SDL_ttf renders with rgb as the
 * colour. */
static void paint(SDL_Surface *surf, uint32_t rgb)
{
    if (surf->format->format != SDL_PIXELFORMAT_ARGB8888 || SDL_LockSurface(surf) != 0)
        return;
    for (int y = 0; y < surf->h; y++) {
        uint32_t *row = (uint32_t *)((uint8_t *)surf->pixels + (size_t)y * (size_t)surf->pitch);
        for (int x = 0; x < surf->w; x++)
            row[x] = (row[x] & 0xff000000u) | rgb;
    }
    SDL_UnlockSurface(surf);
}

/* The cached texture of s[0..len) (len < UI_TEXT_KEY_MAX) in rgb (ANY_RGB: any colour, white when
 * none is cached), rendering it on a miss. NULL when it cannot be rendered (no font, empty text, out of
 * memory). */
static struct ui_text_entry *text_get(struct ui_dc *dc, const char *s, size_t len, bool bold, int px, uint32_t rgb)
{
    if (len == 0)
        return NULL;
    if (len >= UI_TEXT_KEY_MAX) { /* longer than any label: cut at a character boundary */
        len = UI_TEXT_KEY_MAX - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    struct ui_win *w = dc->win;
    uint32_t h = text_hash(s, len, bold, px, dc->layer);
    struct ui_text_entry *free_e = NULL, *lru = NULL;
    for (int i = 0; i < UI_TEXT_SLOTS; i++) {
        struct ui_text_entry *e = &w->text[i];
        if (!e->tex) {
            if (!free_e)
                free_e = e;
            continue;
        }
        if (e->hash == h && (e->rgb == rgb || rgb == ANY_RGB) && e->bold == bold && e->px == px &&
            e->layer == dc->layer && memcmp(e->str, s, len) == 0 && e->str[len] == '\0') {
            e->used = dc->ui->clock;
            return e;
        }
        if (!lru || e->used < lru->used)
            lru = e;
    }
    TTF_Font *font = ui_font_get(dc->ui, bold, px);
    if (!font)
        return NULL;
    struct ui_text_entry *e = free_e ? free_e : lru;
    char key[UI_TEXT_KEY_MAX];
    memcpy(key, s, len);
    key[len] = '\0';
    SDL_Surface *surf = ui_script_render(dc->ui, font, bold, px, key);
    if (!surf)
        return NULL;
    if (rgb == ANY_RGB)
        rgb = 0xffffffu;
    paint(surf, rgb);
    SDL_Texture *tex = SDL_CreateTextureFromSurface(dc->ren, surf);
    int tw = surf->w, th = surf->h;
    SDL_FreeSurface(surf);
    if (!tex)
        return NULL;
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    e->tex = tex;
    e->hash = h;
    e->rgb = rgb;
    e->bold = bold;
    e->px = px;
    e->layer = dc->layer;
    e->w = tw;
    e->h = th;
    e->used = dc->ui->clock;
    memcpy(e->str, key, len + 1);
    w->text_created++;
    return e;
}

/* Bytes in the UTF-8 character starting with byte c (1 for stray continuation bytes). */
static size_t utf8_len(unsigned char c)
{
    if (c >= 0xf0)
        return 4;
    if (c >= 0xe0)
        return 3;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* The width of s at px in rgb (ANY_RGB: measured only), glyph by glyph with UI_TX_GLYPHS. */
static int text_width(struct ui_dc *dc, const char *s, int px, bool bold, int flags, uint32_t rgb)
{
    if (!s || !*s)
        return 0;
    if (!(flags & UI_TX_GLYPHS)) {
        struct ui_text_entry *e = text_get(dc, s, strlen(s), bold, px, rgb);
        return e ? e->w : 0;
    }
    int w = 0;
    for (size_t i = 0; s[i];) {
        size_t n = utf8_len((unsigned char)s[i]);
        size_t avail = strnlen(s + i, n);
        struct ui_text_entry *e = text_get(dc, s + i, avail, bold, px, rgb);
        if (e)
            w += e->w;
        i += avail;
    }
    return w;
}

int ui_text_width(struct ui_dc *dc, const char *s, int px, bool bold, int flags)
{
    return text_width(dc, s, px, bold, flags, ANY_RGB);
}

int ui_text_height(struct ui_dc *dc, int px, bool bold)
{
    TTF_Font *f = ui_font_get(dc->ui, bold, px);
    return f ? TTF_FontHeight(f) : px;
}

/* Texts are cached in their colour: SDL's software renderer blends an untinted texture in its fast
 * path, and one tinted with SDL_SetTextureColorMod pixel by pixel in its slow generic one (3-5 times
 * the time for the big numbers that change every frame). */
static void blit(struct ui_dc *dc, struct ui_text_entry *e, int x, int y)
{
    SDL_Rect dst = {x, y, e->w, e->h};
    SDL_RenderCopy(dc->ren, e->tex, NULL, &dst);
}

int ui_text_draw(struct ui_dc *dc, const char *s, int x, int y, int px, bool bold, uint32_t rgb, int flags)
{
    if (!s || !*s)
        return 0;
    rgb &= 0xffffffu;
    int w = text_width(dc, s, px, bold, flags, rgb);
    int h = ui_text_height(dc, px, bold);
    if (flags & UI_TX_CENTER)
        x -= w / 2;
    else if (flags & UI_TX_RIGHT)
        x -= w;
    if (flags & UI_TX_MIDDLE)
        y -= h / 2;
    else if (flags & UI_TX_BOTTOM)
        y -= h;
    if (!(flags & UI_TX_GLYPHS)) {
        struct ui_text_entry *e = text_get(dc, s, strlen(s), bold, px, rgb);
        if (e)
            blit(dc, e, x, y);
        return w;
    }
    for (size_t i = 0; s[i];) {
        size_t n = utf8_len((unsigned char)s[i]);
        size_t avail = strnlen(s + i, n);
        struct ui_text_entry *e = text_get(dc, s + i, avail, bold, px, rgb);
        if (e) {
            blit(dc, e, x, y);
            x += e->w;
        }
        i += avail;
    }
    return w;
}

/* Widths are remembered (UI_MEASURE_SLOTS, LRU): a frame that fits and wraps its labels measures the
 * same strings every time, and each measure shapes the string anew (HarfBuzz, ~10 us) - a numbers-only
 * frame redraws its panels' labels under a clip, out of sight but measured all the same. */
int ui_text_measure(struct ui_dc *dc, const char *s, int px, bool bold)
{
    struct ui *ui = dc->ui;
    size_t len = strlen(s);
    uint32_t h = text_hash(s, len, bold, px, 0);
    struct ui_measure *slot = NULL;
    if (len < UI_TEXT_KEY_MAX) {
        for (int i = 0; i < UI_MEASURE_SLOTS; i++) {
            struct ui_measure *e = &ui->measures[i];
            if (e->set && e->hash == h && e->bold == bold && e->px == px && memcmp(e->str, s, len + 1) == 0) {
                e->used = ui->clock;
                return e->w;
            }
            if (!slot || !e->set || (slot->set && e->used < slot->used))
                slot = e;
        }
    }
    TTF_Font *f = ui_font_get(ui, bold, px);
    int w = 0, fh = 0;
    if (!f || ui_script_size(ui, f, bold, px, s, &w, &fh) != 0)
        return 0;
    if (slot) {
        *slot = (struct ui_measure){.set = true, .bold = bold, .px = px, .w = w, .hash = h, .used = ui->clock};
        memcpy(slot->str, s, len + 1);
    }
    return w;
}

int ui_text_fit_px(struct ui_dc *dc, const char *s, int px, bool bold, int max_w, int min_px)
{
    if (!s || !*s || max_w <= 0)
        return px;
    min_px = ui_text_px((float)min_px);
    for (int tries = 0; tries < 6 && px > min_px; tries++) {
        int w = ui_text_measure(dc, s, px, bold);
        if (w <= max_w)
            return px;
        int next = ui_text_px((float)px * (float)max_w / (float)w * 0.98f);
        if (next >= px)
            next = px - (px > 64 ? 4 : px > 24 ? 2 : 1);
        px = next < min_px ? min_px : next;
    }
    return px;
}

int ui_text_fit(struct ui_dc *dc, const char *s, int x, int y, int px, int min_px, bool bold, uint32_t rgb,
                int flags, int max_w)
{
    if (!s || !*s)
        return 0;
    px = ui_text_fit_px(dc, s, px, bold, max_w, min_px);
    if (max_w <= 0 || ui_text_measure(dc, s, px, bold) <= max_w)
        return ui_text_draw(dc, s, x, y, px, bold, rgb, flags & ~UI_TX_GLYPHS);
    /* Still too wide at the smallest size: cut it at a character boundary and add an ellipsis. */
    char buf[UI_TEXT_KEY_MAX];
    size_t len = strnlen(s, sizeof buf - 4);
    while (len > 0) {
        do
            len--;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80);
        memcpy(buf, s, len);
        memcpy(buf + len, "\xe2\x80\xa6", 4);
        if (ui_text_measure(dc, buf, px, bold) <= max_w)
            break;
    }
    if (len == 0)
        return 0;
    return ui_text_draw(dc, buf, x, y, px, bold, rgb, flags & ~UI_TX_GLYPHS);
}

int ui_text_wrap(struct ui_dc *dc, const char *s, int x, int y, int px, bool bold, uint32_t rgb, int flags,
                 int max_w, int max_lines, int line_h)
{
    char line[UI_TEXT_KEY_MAX];
    int lines = 0;
    while (s && *s && lines < max_lines) {
        while (*s == ' ')
            s++;
        size_t len = strnlen(s, sizeof line - 1);
        size_t cut = len;
        if (lines + 1 < max_lines) {
            /* The longest prefix ending at a space that fits (or the whole rest). */
            memcpy(line, s, len);
            line[len] = '\0';
            if (ui_text_measure(dc, line, px, bold) > max_w) {
                size_t best = 0;
                for (size_t i = 1; i < len; i++) {
                    if (s[i] != ' ')
                        continue;
                    memcpy(line, s, i);
                    line[i] = '\0';
                    if (ui_text_measure(dc, line, px, bold) > max_w)
                        break;
                    best = i;
                }
                if (best > 0)
                    cut = best;
            }
        }
        memcpy(line, s, cut);
        line[cut] = '\0';
        ui_text_fit(dc, line, x, y + lines * line_h, px, px, bold, rgb, flags, max_w);
        lines++;
        s += cut;
    }
    return lines;
}
