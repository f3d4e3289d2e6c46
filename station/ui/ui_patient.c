/*
 * ui_patient.c - the patient view: what the patient needs to do, readable from 3 m, and nothing else.
 *
 *   side and direction in plain words ("Left leg · squeeze in"), rep i of n, "practice" when it is
 *   the cue word, huge and in the cue's colour ("Get ready" + 3-2-1, "Push!", "Hold", "Relax", "Rest 20 s")
 *   the current force as a big number
 *   a horizontal bar of the force with the target (best) line and the target band shaded
 *
 * Black background, white and saturated colours, text sized from the view's height and fitted to its
 * width, so the same code serves a side panel and a full-screen second monitor. It never shows quality
 * flags, device messages, the protocol or anything about the patient: when a device is lost it just
 * asks the patient to wait.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/ui/ui_priv.h"

static const char *leg_words(enum st_side s)
{
    switch (s) {
    case ST_SIDE_LEFT: return "Left leg";
    case ST_SIDE_RIGHT: return "Right leg";
    case ST_SIDE_BOTH: return "Both legs";
    case ST_SIDE_COUNT:
    default: return "";
    }
}

/* The bar's full scale: room above the target and the force, in steps of 50 N so it does not jitter. */
static double bar_scale(double force, double target)
{
    double top = 100.0;
    if (isfinite(target) && target * 1.25 > top)
        top = target * 1.25;
    if (isfinite(force) && force * 1.1 > top)
        top = force * 1.1;
    return ceil(top / 50.0) * 50.0;
}

/* A device is lost: the patient is only asked to wait. */
static bool device_lost(const struct ui_model *m)
{
    bool lost = false;
    for (int i = 0; i < m->n_devices && i < UI_MAX_DEVICES; i++)
        lost = lost || m->devices[i].state == UI_DEV_LOST;
    return lost;
}

/* The force's number: its text into buf ("" for none), its size into *px and the box it is drawn in
 * (w 0: none). */
static SDL_Rect number_rect(struct ui_dc *dc, const struct ui_model *m, char *buf, size_t size, int *px)
{
    const struct ui_live *lv = &m->live;
    float hh = (float)dc->h;
    buf[0] = '\0';
    if (!isfinite(lv->force_n) || device_lost(m) || lv->patient_no_numbers)
        return (SDL_Rect){0, 0, 0, 0};
    snprintf(buf, size, "%.0f N", lv->force_n);
    *px = ui_text_px(0.15f * hh);
    int w = ui_text_width(dc, buf, *px, true, UI_TX_GLYPHS);
    if (w > dc->w - 2 * (int)(0.05f * (float)dc->w)) {
        *px = ui_text_px((float)*px * 0.6f);
        w = ui_text_width(dc, buf, *px, true, UI_TX_GLYPHS);
    }
    int h = ui_text_height(dc, *px, true);
    return (SDL_Rect){dc->w / 2 - w / 2, (int)(0.625f * hh) - h / 2, w, h};
}

/* The cue's words (into words when they are the default ones) in *rgb, and the countdown's digits into
 * count ("" when there is none): the part of the view the seconds left change. */
static const char *cue_text(const struct ui_model *m, char *words, size_t wsize, uint32_t *rgb, char *count,
                            size_t csize)
{
    const struct ui_session *s = &m->session;
    const char *cue = s->patient_cue[0] ? s->patient_cue : ui_cue_words(s->cue, s->state_remaining_s, words, wsize);
    *rgb = ui_cue_rgb(s->cue);
    bool lost = device_lost(m);
    if (lost) {
        cue = "Please wait";
        *rgb = 0xcbd5e1;
    }
    if (s->paused && !s->patient_cue[0])
        cue = "Paused";
    count[0] = '\0';
    if (!lost && !s->paused && s->cue == UI_CUE_READY && s->state_remaining_s > 0 && s->state_remaining_s < 100.0)
        snprintf(count, csize, "%d", (int)ceil(s->state_remaining_s - 1e-9));
    return cue;
}

/* The force bar: its box, its full scale and the width of its filled part (0: none). */
struct bar {
    int x, y, w, h, fw;
    double scale, target;
};

static struct bar bar_of(const struct ui_dc *dc, const struct ui_model *m)
{
    const struct ui_live *lv = &m->live;
    float hh = (float)dc->h;
    int margin = (int)(0.05f * (float)dc->w);
    struct bar b = {.x = margin, .w = dc->w - 2 * margin, .y = (int)(0.80f * hh), .h = (int)(0.095f * hh)};
    b.target = isfinite(lv->target_n) ? lv->target_n : lv->block_best_n;
    b.scale = bar_scale(lv->force_n, b.target);
    if (isfinite(lv->force_n) && lv->force_n > 0 && !device_lost(m))
        b.fw = (int)lround(b.w * fmin(lv->force_n / b.scale, 1.0));
    return b;
}

void ui_patient_draw(struct ui_dc *dc, const struct ui_model *m)
{
    const struct ui_session *s = &m->session;
    const struct ui_live *lv = &m->live;
    int W = dc->w, H = dc->h;
    float hh = (float)H;
    int margin = (int)(0.05f * (float)W);
    int max_w = W - 2 * margin;
    char buf[96];
    ui_draw_fill(dc, 0, 0, W, H, ui_colour_rgb(UI_COL_PATIENT_BG));
    dc->vp->have_plot = false;

    /* Side and direction. */
    int y = (int)(0.04f * hh);
    if (s->n_blocks > 0) {
        snprintf(buf, sizeof buf, "%s  \xc2\xb7  %s", leg_words(s->side), ui_dir_plain(s->dir));
        int px = ui_text_px(0.075f * hh);
        ui_text_fit(dc, buf, W / 2, y, px, (int)(0.03f * hh), true, 0xffffff, UI_TX_CENTER, max_w);
        y += ui_text_height(dc, px, true);
        int px2 = ui_text_px(0.042f * hh);
        if (s->familiarisation)
            snprintf(buf, sizeof buf, "Practice: about half effort");
        else if (s->n_reps > 0)
            snprintf(buf, sizeof buf, "Rep %d of %d", s->rep, s->n_reps);
        else
            buf[0] = '\0';
        ui_text_fit(dc, buf, W / 2, y, px2, (int)(0.02f * hh), s->familiarisation,
                    s->familiarisation ? 0xfbbf24 : 0xb8c2cc, UI_TX_CENTER, max_w);
    }

    /* The cue. */
    char words[64], count[16];
    uint32_t rgb;
    const char *cue = cue_text(m, words, sizeof words, &rgb, count, sizeof count);
    snprintf(dc->vp->cue_shown, sizeof dc->vp->cue_shown, "%s\n%s\n%06x", cue, count, (unsigned)rgb);
    int cue_mid = (int)(0.37f * hh);
    if (count[0]) {
        int px = ui_text_px(0.085f * hh);
        ui_text_fit(dc, cue, W / 2, (int)(0.255f * hh), px, (int)(0.03f * hh), true, rgb,
                    UI_TX_CENTER | UI_TX_MIDDLE, max_w);
        ui_text_draw(dc, count, W / 2, (int)(0.42f * hh), ui_text_px(0.22f * hh), true, rgb,
                     UI_TX_CENTER | UI_TX_MIDDLE | UI_TX_GLYPHS);
    } else if (cue[0]) {
        ui_text_fit(dc, cue, W / 2, cue_mid, ui_text_px(0.17f * hh), (int)(0.04f * hh), true, rgb,
                    UI_TX_CENTER | UI_TX_MIDDLE, max_w);
    }

    /* The force now, as a number (unless the protocol shows none: feedback changes force) and as a bar
     * with the target line. */
    int num_px;
    dc->vp->num_rect = number_rect(dc, m, buf, sizeof buf, &num_px);
    snprintf(dc->vp->num_text, sizeof dc->vp->num_text, "%s", buf);
    if (dc->vp->num_rect.w > 0)
        ui_text_draw(dc, buf, W / 2, (int)(0.625f * hh), num_px, true, 0xffffff,
                     UI_TX_CENTER | UI_TX_MIDDLE | UI_TX_GLYPHS);
    struct bar b = bar_of(dc, m);
    double target = b.target, scale = b.scale;
    int bx = b.x, bw = b.w, by = b.y, bh = b.h;
    dc->vp->bar_scale = scale;
    dc->vp->bar_fw = b.fw;
    ui_draw_round(dc, bx, by, bw, bh, bh / 4, 0x1f2933);
    if (b.fw > 0)
        ui_draw_round(dc, bx, by, b.fw, bh, bh / 4, ui_colour_rgb(UI_COL_PATIENT_BAR));
    /* The target band (90-110 % of the block's best by default): where the push should land. */
    if (isfinite(lv->band_lo_n) && isfinite(lv->band_hi_n) && lv->band_hi_n > lv->band_lo_n && lv->band_lo_n >= 0) {
        int xa = bx + (int)lround(bw * fmin(lv->band_lo_n / scale, 1.0));
        int xb = bx + (int)lround(bw * fmin(lv->band_hi_n / scale, 1.0));
        ui_draw_fill_alpha(dc, xa, by, xb - xa, bh, ui_colour_rgb(UI_COL_TARGET), 90);
    }
    if (isfinite(target) && target > 0) {
        int tx = bx + (int)lround(bw * fmin(target / scale, 1.0));
        int t = (int)fmaxf(4.0f, 0.008f * hh);
        uint32_t trgb = ui_colour_rgb(UI_COL_TARGET);
        int ext = (int)(0.02f * hh);
        ui_draw_fill(dc, tx - t / 2, by - ext, t, bh + 2 * ext, trgb);
        snprintf(buf, sizeof buf, "Best %.0f N", target);
        int px = ui_text_px(0.045f * hh);
        int w = ui_text_width(dc, buf, px, true, 0);
        int lx = tx - w / 2;
        if (lx < margin)
            lx = margin;
        if (lx + w > W - margin)
            lx = W - margin - w;
        ui_text_draw(dc, buf, lx, by - ext - (int)(0.005f * hh), px, true, trgb, UI_TX_BOTTOM);
    }
}

/*
 * Only the numbers changed: the view drawn again inside the rectangles where what it shows differs from
 * its last frame, clipped there - its fills, texts and translucent band are exact under a clip, so the
 * view is what a whole drawing gives. The force (to 0.1 N) moves with nearly every frame of a rep, but
 * the patient reads it in whole newtons and as a bar: its number is redrawn where it was and where it
 * goes when its text changed, and the bar only between its old and new ends when its scale stayed (its
 * whole band - the bar, the target band and line, the label above them: 0.70-0.95 H - when the scale
 * changed). The seconds left and the cue: the cue's band with its countdown (0.18-0.58 H, generous)
 * when its words, colour or countdown changed ("Hold" stays "Hold"). A rep's frame presented 110,000 pixels of this view
 * (545 x 810), most of them the same again.
 */
void ui_patient_draw_numbers(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved)
{
    struct ui_viewport *vp = dc->vp;
    float h = (float)dc->h;
    SDL_Rect r[3];
    int n = 0;
    if (moved.force) {
        char buf[96];
        int px;
        SDL_Rect now = number_rect(dc, m, buf, sizeof buf, &px), was = vp->num_rect;
        if (strcmp(buf, vp->num_text) != 0 || !SDL_RectEquals(&now, &was)) {
            r[n] = now;
            if (now.w <= 0)
                r[n] = was;
            else if (was.w > 0)
                SDL_UnionRect(&now, &was, &r[n]);
            n += r[n].w > 0;
        }
        struct bar b = bar_of(dc, m);
        if (b.scale != vp->bar_scale) {
            int top = (int)(0.70f * h);
            r[n++] = (SDL_Rect){0, top, dc->w, (int)(0.95f * h) - top};
        } else if (b.fw != vp->bar_fw) {
            /* The columns either end's rounded corners touch (both bars' left corners too when the
             * shorter one is narrower than its two corners, which then shrink), a pixel to spare. */
            int lo = b.fw < vp->bar_fw ? b.fw : vp->bar_fw, hi = b.fw + vp->bar_fw - lo, rad = b.h / 4;
            int x0 = lo < 2 * rad + 2 ? b.x : b.x + lo - rad - 1;
            r[n++] = (SDL_Rect){x0, b.y, b.x + hi + 1 - x0, b.h};
        }
    }
    if (moved.time || moved.cue) {
        char words[64], count[16], shown[sizeof vp->cue_shown];
        uint32_t rgb;
        const char *cue = cue_text(m, words, sizeof words, &rgb, count, sizeof count);
        snprintf(shown, sizeof shown, "%s\n%s\n%06x", cue, count, (unsigned)rgb);
        if (strcmp(shown, vp->cue_shown) != 0)
            r[n++] = (SDL_Rect){0, (int)(0.18f * h), dc->w, (int)(0.58f * h) - (int)(0.18f * h)};
    }
    for (int i = 0; i < n; i++) {
        SDL_RenderSetClipRect(dc->ren, &r[i]);
        ui_patient_draw(dc, m);
        ui_damage(dc, r[i]);
    }
    SDL_RenderSetClipRect(dc->ren, NULL);
}
