/*
 * ui_home.c - draws the home pages (home.h) in the therapist view and turns window events into home
 * events: the patient list with its search field, and the patient form.
 *
 * It draws with the test screen's primitives and text cache (ui_draw.c, ui_text.c), in the same
 * colours, scaled by the view's layout unit so 1280x720 and 3840x2160 look the same. Every button
 * shows its key. The clickable regions of the last frame are kept in ui->home_hits (presentation
 * only, like the test screen's buttons); which page is shown, what is selected and what a key does are
 * the station's (station/gui/).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "station/ui/home.h"
#include "station/ui/ui_priv.h"

#define RGB_PRIMARY 0x2563ebu
#define RGB_SELECTED 0x1e3a5fu

static int HU(float u, float v)
{
    return (int)lroundf(u * v);
}

void ui_home_hit(struct ui_dc *dc, int kind, int index, SDL_Rect r)
{
    struct ui *ui = dc->ui;
    if (ui->n_home_hits >= UI_HOME_HITS)
        return;
    ui->home_hits[ui->n_home_hits++] = (struct ui_home_hit){
        .kind = kind, .index = index, .r = {r.x + dc->vp->rect.x, r.y + dc->vp->rect.y, r.w, r.h}};
}

static uint32_t msg_rgb(enum ui_home_msg k)
{
    switch (k) {
    case UI_HOME_MSG_ERROR: return ui_colour_rgb(UI_COL_FLAG_RED);
    case UI_HOME_MSG_WARN: return ui_colour_rgb(UI_COL_FLAG_AMBER);
    default: return UI_RGB_TEXT;
    }
}

static int draw_header(struct ui_dc *dc, const struct ui_home *h, int pad)
{
    float u = dc->u;
    int hh = HU(u, 64);
    ui_draw_fill(dc, 0, 0, dc->w, hh, UI_RGB_PANEL);
    int tw = dc->w - 2 * pad - HU(u, 120);
    /* The clinic server's line shares the subtitle's row, on the right (at most 45 % of the width);
     * the time then sits above it. */
    int sw = h->server[0] ? (dc->w - 2 * pad) * 45 / 100 : 0;
    ui_text_fit(dc, h->title, pad, HU(u, 8), ui_text_px(22 * u), HU(u, 12), true, UI_RGB_TEXT, 0, tw);
    ui_text_fit(dc, h->subtitle, pad, HU(u, 38), ui_text_px(13 * u), HU(u, 9), false, UI_RGB_MUTED, 0,
                sw ? dc->w - 2 * pad - sw - HU(u, 16) : tw);
    if (sw)
        ui_text_fit(dc, h->server, dc->w - pad, HU(u, 38), ui_text_px(13 * u), HU(u, 9), false, UI_RGB_MUTED,
                    UI_TX_RIGHT, sw);
    if (h->local_time[0])
        ui_text_draw(dc, h->local_time, dc->w - pad, sw ? HU(u, 20) : hh / 2, ui_text_px(18 * u), true,
                     UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_MIDDLE);
    return hh;
}

static void draw_buttons(struct ui_dc *dc, const struct ui_home *h, int x, int y, int w, int bh)
{
    float u = dc->u;
    int gap = HU(u, 10), n = h->n_buttons < UI_HOME_BUTTONS ? h->n_buttons : UI_HOME_BUTTONS;
    if (n <= 0)
        return;
    int bw = (w - gap * (n - 1)) / n;
    if (bw > HU(u, 220))
        bw = HU(u, 220);
    int lab = ui_text_px(15 * u), key = ui_text_px(11.5f * u);
    for (int i = 0; i < n; i++) {
        const struct ui_home_button *b = &h->buttons[i];
        SDL_Rect r = {x + i * (bw + gap), y, bw, bh};
        if (i == h->button_focus)
            ui_draw_round(dc, r.x - HU(u, 3), r.y - HU(u, 3), r.w + HU(u, 6), r.h + HU(u, 6), HU(u, 9),
                          UI_RGB_TEXT);
        ui_draw_round(dc, r.x, r.y, r.w, r.h, HU(u, 7), b->primary ? RGB_PRIMARY : UI_RGB_PANEL_HI);
        int lh = ui_text_height(dc, lab, true), kh = ui_text_height(dc, key, false);
        int ty = r.y + (r.h - lh - kh) / 2;
        ui_text_fit(dc, b->label, r.x + r.w / 2, ty, lab, HU(u, 9), true, UI_RGB_TEXT, UI_TX_CENTER,
                    r.w - HU(u, 8));
        ui_text_fit(dc, b->key, r.x + r.w / 2, ty + lh, key, HU(u, 8), false, 0xb6c2cfu, UI_TX_CENTER,
                    r.w - HU(u, 8));
        ui_home_hit(dc, UI_HE_BUTTON, b->id, r);
    }
}

static void draw_list(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom)
{
    float u = dc->u;
    int w = dc->w - 2 * pad;
    SDL_Rect sr = {pad, top, w, HU(u, 44)};
    ui_draw_text_box_caret(dc, sr, h->search, "Search by name, reference or birth date  ( / )", h->search_focus,
                           false, h->search_caret);
    ui_home_hit(dc, UI_HE_SEARCH, 0, sr);
    int y = sr.y + sr.h + HU(u, 10);
    char count[64];
    if (h->search[0])
        snprintf(count, sizeof count, "%d of %d patient%s", h->n_rows, h->total, h->total == 1 ? "" : "s");
    else
        snprintf(count, sizeof count, "%d patient%s, most recent first", h->total, h->total == 1 ? "" : "s");
    ui_text_draw(dc, count, pad, y, ui_text_px(13 * u), false, UI_RGB_MUTED, 0);
    y += ui_text_height(dc, ui_text_px(13 * u), false) + HU(u, 6);

    int rh = HU(u, 58), gap = HU(u, 4);
    int fit = (bottom - y + gap) / (rh + gap);
    dc->ui->home_rows_visible = fit > 1 ? fit : 1;
    if (h->n_rows == 0) {
        const char *empty = h->search[0] ? "No patient matches this search: Esc clears it"
                                         : "No patient yet: press A to add the first one";
        ui_text_draw(dc, empty, dc->w / 2, y + HU(u, 40), ui_text_px(17 * u), false, UI_RGB_MUTED,
                     UI_TX_CENTER);
        return;
    }
    int first = h->first < 0 ? 0 : h->first;
    int name_px = ui_text_px(18 * u), small = ui_text_px(13 * u);
    for (int i = first; i < h->n_rows && y + rh <= bottom; i++) {
        const struct ui_home_row *row = &h->rows[i];
        SDL_Rect r = {pad, y, w, rh};
        bool sel = i == h->selected;
        ui_draw_round(dc, r.x, r.y, r.w, r.h, HU(u, 6), sel ? RGB_SELECTED : UI_RGB_PANEL);
        if (sel)
            ui_draw_fill(dc, r.x, r.y + HU(u, 6), HU(u, 5), r.h - HU(u, 12), RGB_PRIMARY);
        int in = HU(u, 16), lastw = HU(u, 260);
        ui_text_fit(dc, row->name, r.x + in, r.y + HU(u, 7), name_px, HU(u, 10), true, UI_RGB_TEXT, 0,
                    r.w - 2 * in - lastw);
        ui_text_fit(dc, row->line2, r.x + in, r.y + HU(u, 33), small, HU(u, 9), false, UI_RGB_MUTED, 0,
                    r.w - 2 * in - lastw);
        ui_text_fit(dc, row->last, r.x + r.w - in, r.y + r.h / 2, small, HU(u, 9), false, UI_RGB_MUTED,
                    UI_TX_RIGHT | UI_TX_MIDDLE, lastw);
        ui_home_hit(dc, UI_HE_ROW, i, r);
        y += rh + gap;
    }
    if (first + dc->ui->home_rows_visible < h->n_rows)
        ui_text_draw(dc, "\xe2\x80\xa6 more below (Page Down)", dc->w / 2, bottom, ui_text_px(12 * u), false,
                     UI_RGB_FAINT, UI_TX_CENTER | UI_TX_BOTTOM);
}

static void draw_form(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom)
{
    float u = dc->u;
    int n = h->n_fields < UI_HOME_FIELDS ? h->n_fields : UI_HOME_FIELDS;
    if (n <= 0)
        return;
    int label_w = HU(u, 200), w = dc->w - 2 * pad - label_w;
    if (w > HU(u, 640))
        w = HU(u, 640);
    int row = (bottom - top) / n;
    if (row > HU(u, 54))
        row = HU(u, 54);
    int bh = row - HU(u, 10);
    int lab = ui_text_px(15 * u);
    for (int i = 0; i < n; i++) {
        const struct ui_home_field *f = &h->fields[i];
        int y = top + i * row;
        ui_text_fit(dc, f->label, pad + label_w - HU(u, 14), y + bh / 2, lab, HU(u, 9), i == h->field_focus,
                    f->error ? ui_colour_rgb(UI_COL_FLAG_RED) : UI_RGB_MUTED, UI_TX_RIGHT | UI_TX_MIDDLE,
                    label_w - HU(u, 14));
        SDL_Rect r = {pad + label_w, y, w, bh};
        ui_draw_text_box_caret(dc, r, f->value, f->hint, i == h->field_focus, f->error, f->caret);
        ui_home_hit(dc, UI_HE_FIELD, i, r);
    }
}

void ui_home_draw(struct ui_dc *dc, const struct ui_home *h)
{
    float u = dc->u;
    struct ui *ui = dc->ui;
    ui->n_home_hits = 0;
    ui_draw_fill(dc, 0, 0, dc->w, dc->h, ui_colour_rgb(UI_COL_BG));
    int pad = HU(u, 24);
    int top = draw_header(dc, h, pad) + HU(u, 18);
    int bh = HU(u, 56);
    int by = dc->h - pad - bh;
    int msg_px = ui_text_px(15 * u);
    int my = by - HU(u, 12) - ui_text_height(dc, msg_px, false);
    if (h->message[0])
        ui_text_wrap(dc, h->message, pad, my - ui_text_height(dc, msg_px, false), msg_px, false,
                     msg_rgb(h->message_kind), 0, dc->w - 2 * pad, 2, ui_text_height(dc, msg_px, false));
    int bottom = my - ui_text_height(dc, msg_px, false) - HU(u, 8);
    if (h->page == UI_HOME_FORM || h->page == UI_HOME_SETTINGS)
        draw_form(dc, h, pad, top, bottom);
    else if (h->page == UI_HOME_PATIENT)
        ui_home_patient_draw(dc, h, pad, top, bottom);
    else if (h->page == UI_HOME_START)
        ui_home_start_draw(dc, h, pad, top, bottom);
    else if (h->page == UI_HOME_CALIB)
        ui_home_calib_draw(dc, h, pad, top, bottom);
    else
        draw_list(dc, h, pad, top, bottom);
    draw_buttons(dc, h, pad, by, dc->w - 2 * pad, bh);
}

enum st_status ui_home_frame(struct ui *ui, const struct ui_home *h, struct st_err *err)
{
    if (!ui || !h)
        return st_err_set(err, ST_ERR_ARG, "ui_home_frame: no UI or no home");
    /* The patient's view (when open) has nothing to show at home: its idle screen. */
    struct ui_model idle;
    ui_model_init(&idle);
    return ui_frame_views(ui, &idle, h, err);
}

int ui_home_rows_visible(const struct ui *ui)
{
    return ui && ui->home_rows_visible > 0 ? ui->home_rows_visible : 1;
}

/* ---- input ---------------------------------------------------------------------------------- */

void ui_home_wait(struct ui *ui, int ms)
{
    (void)ui;
    if (ms > 0)
        SDL_WaitEventTimeout(NULL, ms);
}

void ui_home_text_input(struct ui *ui, bool on)
{
    (void)ui;
    if (on && !SDL_IsTextInputActive())
        SDL_StartTextInput();
    else if (!on && SDL_IsTextInputActive())
        SDL_StopTextInput();
}

static enum ui_home_key map_key(const SDL_Keysym *k, char *ch)
{
    *ch = 0;
    switch (k->sym) {
    case SDLK_UP: return UI_HK_UP;
    case SDLK_DOWN: return UI_HK_DOWN;
    case SDLK_PAGEUP: return UI_HK_PAGE_UP;
    case SDLK_PAGEDOWN: return UI_HK_PAGE_DOWN;
    case SDLK_HOME: return UI_HK_HOME;
    case SDLK_END: return UI_HK_END;
    case SDLK_TAB: return (k->mod & KMOD_SHIFT) ? UI_HK_BACKTAB : UI_HK_TAB;
    case SDLK_RETURN:
    case SDLK_KP_ENTER: return UI_HK_ENTER;
    case SDLK_ESCAPE: return UI_HK_ESC;
    case SDLK_BACKSPACE: return UI_HK_BACKSPACE;
    case SDLK_LEFT: return UI_HK_LEFT;
    case SDLK_RIGHT: return UI_HK_RIGHT;
    case SDLK_DELETE: return UI_HK_DELETE;
    default: break;
    }
    if ((k->sym >= SDLK_a && k->sym <= SDLK_z) || (k->sym >= SDLK_0 && k->sym <= SDLK_9) ||
        k->sym == SDLK_SLASH) {
        *ch = (char)k->sym;
        return UI_HK_LETTER;
    }
    return UI_HK_OTHER;
}

/* Window points -> the renderer's output pixels (they differ on HiDPI screens). */
static void to_pixels(const struct ui *ui, int *x, int *y)
{
    int ww = 0, wh = 0;
    SDL_GetWindowSize(ui->wins[0].win, &ww, &wh);
    if (ww > 0 && wh > 0) {
        *x = *x * ui->wins[0].out_w / ww;
        *y = *y * ui->wins[0].out_h / wh;
    }
}

int ui_home_poll(struct ui *ui, struct ui_home_event *ev, int max)
{
    if (!ui || !ev || max <= 0)
        return 0;
    int n = 0;
    SDL_Event e;
    while (n < max && SDL_PollEvent(&e)) {
        struct ui_home_event *o = &ev[n];
        memset(o, 0, sizeof *o);
        switch (e.type) {
        case SDL_QUIT: o->kind = UI_HE_QUIT; break;
        case SDL_WINDOWEVENT:
            if (e.window.event == SDL_WINDOWEVENT_CLOSE)
                o->kind = UI_HE_QUIT;
            break;
        case SDL_KEYDOWN:
            if (e.key.keysym.sym == SDLK_F11) {
                SDL_Window *w = ui->wins[0].win;
                bool full = SDL_GetWindowFlags(w) & SDL_WINDOW_FULLSCREEN;
                SDL_SetWindowFullscreen(w, full ? 0 : SDL_WINDOW_FULLSCREEN_DESKTOP);
                break;
            }
            if (e.key.keysym.mod & (KMOD_CTRL | KMOD_ALT | KMOD_GUI))
                break; /* the desktop's shortcuts, not ours */
            o->key = map_key(&e.key.keysym, &o->ch);
            if (o->key != UI_HK_OTHER)
                o->kind = UI_HE_KEY;
            break;
        case SDL_TEXTINPUT:
            if (SDL_IsTextInputActive()) {
                o->kind = UI_HE_TEXT;
                snprintf(o->text, sizeof o->text, "%s", e.text.text);
            }
            break;
        case SDL_MOUSEMOTION:
            ui->hover_win = 0;
            ui->hover_x = e.motion.x;
            ui->hover_y = e.motion.y;
            to_pixels(ui, &ui->hover_x, &ui->hover_y);
            break;
        case SDL_MOUSEBUTTONDOWN: {
            if (e.button.button != SDL_BUTTON_LEFT)
                break;
            int x = e.button.x, y = e.button.y;
            to_pixels(ui, &x, &y);
            for (int i = 0; i < ui->n_home_hits; i++) {
                const SDL_Rect *r = &ui->home_hits[i].r;
                if (x >= r->x && x < r->x + r->w && y >= r->y && y < r->y + r->h) {
                    o->kind = (enum ui_home_ev)ui->home_hits[i].kind;
                    o->index = ui->home_hits[i].index;
                    break;
                }
            }
            break;
        }
        default: break;
        }
        if (o->kind != UI_HE_NONE)
            n++;
    }
    return n;
}

int ui_home_displays(struct ui *ui, char (*names)[64], int max)
{
    if (!ui)
        return 0;
    int n = SDL_GetNumVideoDisplays();
    for (int i = 0; i < n && i < max; i++) {
        const char *name = SDL_GetDisplayName(i);
        snprintf(names[i], sizeof names[i], "%s", name ? name : "");
    }
    return n > 0 ? n : 0;
}

bool ui_home_hit_center(const struct ui *ui, enum ui_home_ev kind, int index, int *x, int *y)
{
    if (!ui)
        return false;
    for (int i = 0; i < ui->n_home_hits; i++) {
        const struct ui_home_hit *h = &ui->home_hits[i];
        if (h->kind != (int)kind || h->index != index)
            continue;
        int ww = 0, wh = 0;
        SDL_GetWindowSize(ui->wins[0].win, &ww, &wh);
        int px = h->r.x + h->r.w / 2, py = h->r.y + h->r.h / 2;
        *x = ui->wins[0].out_w > 0 ? px * ww / ui->wins[0].out_w : px;
        *y = ui->wins[0].out_h > 0 ? py * wh / ui->wins[0].out_h : py;
        return true;
    }
    return false;
}
