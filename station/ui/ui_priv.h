/*
 * ui_priv.h - private to station/ui*.c: the UI's internal state, shared by its files (ui.c windows and
 * input, ui_text.c fonts and the text cache, ui_draw.c primitives, ui_plot.c the curve, ui_therapist.c
 * and ui_patient.c the two views, ui_sound.c the beeps). Nothing outside station/ui*.c includes it;
 * the public manual is station/ui/ui.h.
 */
#ifndef STATION_STATION_UI_PRIV_H
#define STATION_STATION_UI_PRIV_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>
#include <stdint.h>

#include "station/ui/ui.h"

/* The text cache: one per renderer (textures belong to a renderer). Large enough for every label of
 * both views plus the glyphs numbers are drawn from, in each colour and in the curve panel's layers, so
 * a steady frame creates no texture. */
#define UI_TEXT_SLOTS 512
#define UI_TEXT_KEY_MAX 200
#define UI_MEASURE_SLOTS 128 /* widths measured (ui_text_measure): every label a frame fits or wraps */
#define UI_FONT_SLOTS 24
#define UI_FALLBACK_SLOTS 8
#define UI_MAX_WINDOWS 2

/* Theme colours not exported through ui_colour_rgb (text and panels). */
#define UI_RGB_TEXT 0xe6edf3u
#define UI_RGB_MUTED 0x93a1b0u
#define UI_RGB_FAINT 0x5b6877u
#define UI_RGB_PANEL 0x1f2630u
#define UI_RGB_PANEL_HI 0x2a3441u
#define UI_RGB_GRID 0x2b3541u
#define UI_RGB_AXIS 0x4f5d6e
#define UI_RGB_WINDOW 0x0d1117u

struct ui_font_slot {
    TTF_Font *font; /* NULL = free */
    bool bold;
    int px;
    uint64_t used;
};

struct ui_text_entry {
    SDL_Texture *tex; /* NULL = free; the text in its colour */
    uint32_t hash;
    uint32_t rgb;
    bool bold;
    int px;
    int layer; /* struct ui_dc's layer it was drawn for */
    int w, h;
    uint64_t used;
    char str[UI_TEXT_KEY_MAX];
};

/* A width ui_text_measure measured: fonts belong to the ui, not to a renderer. */
struct ui_measure {
    bool set; /* false: free */
    bool bold;
    int px;
    int w;
    uint32_t hash;
    uint64_t used;
    char str[UI_TEXT_KEY_MAX];
};

struct ui_win {
    SDL_Window *win;
    SDL_Renderer *ren;
    uint32_t id;
    bool soft;         /* the software renderer: a frame presents only its damaged rectangles */
    bool present_all;  /* the next present copies every view whole (opened, resized, exposed) */
    Uint32 format;     /* the views' targets' pixel format */
    int out_w, out_h; /* renderer output size in pixels (last frame) */
    float ddpi;       /* the display's DPI (opts.dpi, else SDL's; 0 unknown): ui_layout_unit */
    struct ui_text_entry text[UI_TEXT_SLOTS];
    uint64_t text_created; /* textures created since open (tests and the bench read it) */
};

/* A trace as far as a frame is concerned: its ring and newest point (ui_trace_sig_of). */
struct ui_trace_sig {
    const struct ui_trace *tr;
    size_t n, first;
    double t, f;
};

/* What the points of a trace pass through to be drawn (ui_plot.c): a pixel column's points reduced to
 * its first, lowest, highest and last. */
struct ui_plot_column {
    int col;
    int count;
    SDL_FPoint first, last, lo, hi; /* lo = lowest force (largest y) */
    int lo_i, hi_i;                 /* order of arrival, to emit lo and hi in time order */
};

/*
 * A trace being drawn a column at a time (ui_plot.c). A column's vertices are final once a point lands
 * in the next column, so a growing trace is drawn by its new columns alone onto the curve panel's
 * cache, and only the open column (the tail) is drawn over it each frame.
 */
struct ui_pen {
    const struct ui_trace *tr;
    double off;                      /* a point is drawn at t - off */
    uint32_t rgb;
    int thick;
    size_t start, next;              /* the first point taken, the next to take (indices in the ring as
                                      * it was at first, n) */
    size_t first, n;                 /* the trace's ring when last taken */
    double start_t, start_f;         /* the first point taken (checked again before more are) */
    double last_t, last_f;           /* the last point taken */
    double prev_t;                   /* its time on the axis; NAN = none yet */
    struct ui_plot_column c;         /* the open column */
    SDL_FPoint last_v;               /* the current line's last vertex drawn */
    int n_line;                      /* vertices of the current line: 0, 1 (not drawn yet) or 2 (more) */
    bool past;                       /* a point beyond the time axis was reached: nothing more to draw */
    SDL_Rect damage;                 /* what was drawn since it was last cleared (w 0: nothing) */
};

/* What the curve panel's still layer was drawn from (ui_plot.c): compared whole with memcmp. */
struct ui_plot_key {
    int w, h;
    float u;
    bool rep_view;
    double t0, t1, y0, y1;
    double threshold_n, best_n, band_lo_n, band_hi_n, hold_s;
    int n_curves, active;
    char labels[UI_MAX_CURVES][24];
    const struct ui_trace *curves[UI_MAX_CURVES]; /* the rolling view's (NULL in the rep view) */
    struct ui_trace_sig earlier[UI_MAX_REPS];
};

/*
 * The curve panel's caches (ui_plot.c), in the panel's own coordinates: still holds everything but the
 * moving curves (the panel, titles, axes, grid, lines, band, hold window, the block's earlier reps) and
 * is redrawn only when what it shows changes (its key); drawn is still with the moving curves over it,
 * the rep in view extended column by column as it grows. The view gets drawn plus what moves every
 * frame (the rep's open column, the dot at the newest point, the lines' labels over the curves).
 */
struct ui_plot_cache {
    SDL_Texture *still, *drawn;
    int w, h;
    bool still_ok, drawn_ok;
    struct ui_plot_key key;
    struct ui_pen pen; /* the rep view's rep, as far as drawn holds it */
    double drawn_off;
    SDL_Rect over;     /* the view's pixels the last frame drew over drawn (the open column, the dot) */
    SDL_Rect curve;    /* where the view's curve differs from still (drawn's, or drawn straight in) */
    bool curve_ok;     /* the view holds the panel's last frame (curve and over say how it differs) */
    /* The rolling view: drawn holds its plot's columns as a ring (absolute column c at plot.x + c
     * modulo the plot's width), columns roll_k - width + 1 .. roll_k as drawn on the axis of column
     * width roll_dt from the epoch roll_te (column roll_e), when roll_ok. The columns up to
     * roll_settled are final (no point still to come can change them). */
    bool roll_ok;
    SDL_Texture *cols; /* where its columns are drawn before they go to the ring (cols_w x cols_h) */
    int cols_w, cols_h;
    double roll_dt, roll_te;
    int64_t roll_e, roll_k, roll_settled;
    struct ui_trace_sig roll_sig[UI_MAX_CURVES];
    double roll_oldest[UI_MAX_CURVES]; /* each curve's oldest point's time as drawn (NAN: none) */
};

/* Where a view is and what its last frame's plot mapped. */
#define UI_DAMAGE_MAX 8
struct ui_viewport {
    bool shown;
    int win;       /* index into ui->wins */
    SDL_Rect rect; /* in the window's output pixels */
    SDL_Texture *target;
    int tw, th;
    bool drawn;
    bool have_plot;
    SDL_Rect plot;
    double t0, t1, y0, y1;
    bool roll;                     /* the plot's time axis in whole columns (ui_plot.c's struct axes) */
    double roll_te, roll_dt;
    int64_t roll_e, roll_base;
    bool have_numbers;           /* therapist: the last full frame drew the cue strip, the numbers and
                                  * the curve's panel here */
    SDL_Rect cue_rect, num_rect; /* (ui_therapist_draw_numbers redraws just these) */
    SDL_Rect force_rect;         /* the row of num_rect the current force is in */
    SDL_Rect plot_box;           /* (ui_therapist_draw_live redraws these and this) */
    SDL_Rect status_rect;        /* therapist: the status bar (redrawn alone when a rate changed) */
    /* patient: what its last frame showed of the numbers (ui_patient_draw_numbers redraws only what
     * differs): the force's text, the cue's words and countdown, the bar's scale and filled width */
    char num_text[32], cue_shown[112];
    double bar_scale;
    int bar_fw;
    struct ui_plot_cache layers; /* therapist: the curve panel's caches */
    bool damage_all;             /* this frame redrew the whole view */
    SDL_Rect damage[UI_DAMAGE_MAX]; /* else the rectangles it redrew (view pixels) */
    int n_damage;
};

/* What a frame shows besides the model's plain fields: the traces' newest points (not their whole
 * contents: points are only ever appended), the numbers that change with every sample as displayed,
 * and the UI's own presentational state. */
struct ui_frame_key {
    struct ui_trace_sig traces[UI_MAX_CURVES + 1 + UI_MAX_REPS];
    double force_shown, remaining_shown; /* force_n to 0.1 N, state_remaining_s to 0.1 s */
    double rates_shown[UI_MAX_DEVICES];  /* the devices' measured rates in whole hertz (the status bar's) */
    double t_now;                        /* the rolling view's clock (0 in the rep view, which has none) */
    bool help, rolling, patient_hidden, abort_pending;
    int hover_win, hover_x, hover_y;
    SDL_Rect rects[UI_VIEW_COUNT];
};

/* A clickable region of the home pages (ui_home.c): a button, a list row or a form field. */
#define UI_HOME_HITS 96
struct ui_home_hit {
    int kind; /* enum ui_home_ev */
    int index;
    SDL_Rect r; /* window output pixels */
};

struct ui_button {
    enum ui_action action;
    int win;
    SDL_Rect r; /* window output pixels */
    bool enabled;
};

struct ui {
    struct ui_opts opts;
    char font_path[512], bold_path[512], title[128];
    char fallback_path[512]; /* "" = no fallback font (ui_script.c) */
    enum ui_layout layout;
    struct ui_win wins[UI_MAX_WINDOWS];
    int n_wins;
    struct ui_viewport views[UI_VIEW_COUNT];
    struct ui_font_slot fonts[UI_FONT_SLOTS];
    /* The fallback font's own slots: opening it never closes a main font the caller still holds. */
    struct ui_font_slot fallback_fonts[UI_FALLBACK_SLOTS];
    struct ui_measure measures[UI_MEASURE_SLOTS];
    uint64_t clock; /* frame counter: the caches' LRU clock */
    bool font_warned;

    struct ui_button buttons[UI_ACT_COUNT];
    int n_buttons;
    bool abort_pending;
    bool help;           /* the help overlay is open */
    bool rolling;        /* T: the rolling 10 s view instead of the rep view */
    bool patient_hidden; /* V: one window without the patient's half (the patient does not look) */
    bool entry_input;    /* ui_entry_input: keys type into the station's entry */
    int hover_win, hover_x, hover_y; /* mouse, in window output pixels */

    SDL_FPoint *pts; /* curve scratch, sized for the widest plot (grown on resize only) */
    size_t pts_cap;
    uint32_t *pixels; /* read-back buffer for ui_view_pixels */
    size_t pixels_cap;

    /* opts.lazy: what the last drawn frame was made of, to tell whether the next would differ. */
    struct ui_model drawn_model; /* normalised (ui.c: frame_key) */
    struct ui_frame_key drawn_key;
    bool have_drawn;
    int64_t drawn_ns;
    uint64_t frames_drawn;
    int64_t refresh_ns;  /* the display's frame interval: lazy frames are presented at most once in each */
    int64_t epoch_ns;    /* the intervals' origin (ui_open) */
    int64_t next_slot_ns; /* the start of the first interval a frame may still be presented in */
    double drawn_remaining, drawn_force; /* the seconds left and the force the views last showed */
    double drawn_rates[UI_MAX_DEVICES];  /* and the devices' rates */

    SDL_AudioDeviceID audio;
    float *sound[UI_SOUND_COUNT];
    size_t sound_len[UI_SOUND_COUNT];

    struct ui_home_hit home_hits[UI_HOME_HITS]; /* the home's clickable regions, last frame (ui_home.c) */
    int n_home_hits;
    int home_rows_visible; /* patient rows the last home frame had room for */

    bool video_up, ttf_up, audio_up;
    bool no_gpu; /* offscreen / dummy video: software renderer only */
};

/* A drawing context: one view being drawn into its target. Coordinates are the view's pixels. */
struct ui_dc {
    struct ui *ui;
    struct ui_win *win;
    SDL_Renderer *ren;
    struct ui_viewport *vp;
    enum ui_view view;
    int w, h;
    float u; /* layout unit: 1.0 at the reference size of the view */
    int layer; /* 0: the view's target; 1: the curve panel's layers and the rolling view's time labels
                * (their texts are cached apart) */
};

/* Text alignment flags for ui_text_draw. */
enum {
    UI_TX_LEFT = 0,
    UI_TX_CENTER = 1 << 0,
    UI_TX_RIGHT = 1 << 1,
    UI_TX_MIDDLE = 1 << 2, /* y is the vertical centre of the line, not its top */
    UI_TX_BOTTOM = 1 << 3, /* y is the bottom of the line */
    UI_TX_GLYPHS = 1 << 4, /* draw from per-character cached glyphs (for numbers that change) */
};

/* ui_text.c */
int ui_text_px(float px);
TTF_Font *ui_font_get(struct ui *ui, bool bold, int px);
/* The fallback font at px (NULL when there is none): ui_script.c renders what the main font lacks with it. */
TTF_Font *ui_font_fallback(struct ui *ui, bool bold, int px);
int ui_text_draw(struct ui_dc *dc, const char *s, int x, int y, int px, bool bold, uint32_t rgb, int flags);
int ui_text_width(struct ui_dc *dc, const char *s, int px, bool bold, int flags);
int ui_text_height(struct ui_dc *dc, int px, bool bold);
/* Width of s at px measured by SDL_ttf, without rendering a texture. */
int ui_text_measure(struct ui_dc *dc, const char *s, int px, bool bold);
/* Draws s word-wrapped into at most max_lines lines of width max_w (the last cut with "…");
 * returns the number of lines drawn. */
int ui_text_wrap(struct ui_dc *dc, const char *s, int x, int y, int px, bool bold, uint32_t rgb, int flags,
                 int max_w, int max_lines, int line_h);
int ui_text_fit_px(struct ui_dc *dc, const char *s, int px, bool bold, int max_w, int min_px);
/* Draws s at px, shrinking it (not below min_px) to fit max_w and cutting it with "…" as a last
 * resort; returns the width drawn. */
int ui_text_fit(struct ui_dc *dc, const char *s, int x, int y, int px, int min_px, bool bold, uint32_t rgb,
                int flags, int max_w);
void ui_text_cache_free(struct ui_win *w);
void ui_fonts_free(struct ui *ui);

/* ui_draw.c */
void ui_draw_colour(struct ui_dc *dc, uint32_t rgb, uint8_t alpha);
void ui_draw_fill(struct ui_dc *dc, int x, int y, int w, int h, uint32_t rgb);
void ui_draw_fill_alpha(struct ui_dc *dc, int x, int y, int w, int h, uint32_t rgb, uint8_t alpha);
void ui_draw_round(struct ui_dc *dc, int x, int y, int w, int h, int r, uint32_t rgb);
/* bg over x, y, w, h, then ui_draw_round in rgb, then hole filled in hole_rgb - the same pixels, each
 * written once when hole lies within the straight part (the curve panel and its plot: a frame drawn whole
 * filled the panel three times over). */
void ui_draw_round_hole(struct ui_dc *dc, int x, int y, int w, int h, int r, uint32_t rgb, SDL_Rect hole,
                        uint32_t hole_rgb, uint32_t bg);
void ui_draw_frame(struct ui_dc *dc, int x, int y, int w, int h, int t, uint32_t rgb);
void ui_draw_hline(struct ui_dc *dc, int x0, int x1, int y, int t, uint32_t rgb);
void ui_draw_vline(struct ui_dc *dc, int x, int y0, int y1, int t, uint32_t rgb);
void ui_draw_disc(struct ui_dc *dc, int cx, int cy, int r, uint32_t rgb);
void ui_draw_polyline(struct ui_dc *dc, SDL_FPoint *pts, int n, int t, uint32_t rgb);
/* A text box with its value (or its hint in grey) and, when focused, a caret after the text (a value
 * too long for it shows its end while focused, its start with "…" otherwise). */
void ui_draw_text_box(struct ui_dc *dc, SDL_Rect r, const char *value, const char *hint, bool focus, bool error);
/* The same with the caret at byte offset caret of value (-1: the end). */
void ui_draw_text_box_caret(struct ui_dc *dc, SDL_Rect r, const char *value, const char *hint, bool focus,
                            bool error, int caret);
double ui_nice_step(double range, int max_ticks);

/* ui_plot.c: the force curve with its axes, into box; records the mapping in dc->vp. whole: the view
 * around it was drawn anew (the whole panel is put in place); false: the view holds the panel's last
 * frame, and only what changed is drawn (and damaged). */
void ui_plot_draw(struct ui_dc *dc, const struct ui_model *m, SDL_Rect box, bool whole);
/* Frees a view's curve caches. */
void ui_plot_free(struct ui_viewport *vp);

/* ui.c: r (view pixels) of dc's view was redrawn: the window gets it at the next present. */
void ui_damage(struct ui_dc *dc, SDL_Rect r);
struct ui_trace_sig ui_trace_sig_of(const struct ui_trace *tr);

/* ui_final.c: the final balance screen between y and bottom of the therapist view. */
/* "Adduction asymmetry 12.4 %: the right side is weaker (moderate)" for direction d, into buf. */
const char *ui_asym_text(const struct bal_result *r, int d, char *buf, size_t size);
void ui_final_draw(struct ui_dc *dc, const struct ui_model *m, int y, int bottom);

/* ui_therapist.c, ui_patient.c */
void ui_therapist_draw(struct ui_dc *dc, const struct ui_model *m);
void ui_patient_draw(struct ui_dc *dc, const struct ui_model *m);
/* Only the numbers changed: the force's number and bar when the force did, the cue when the seconds
 * left did, redrawn in their bands of the view (and damaged). */
struct ui_moved;
void ui_patient_draw_numbers(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved);
/* What moved in a frame that is not drawn whole (ui.c). */
struct ui_moved {
    bool time;  /* the seconds left, as shown */
    bool force; /* the force, as shown */
    bool rate;  /* a device's measured rate, as shown */
    bool cue;   /* the engine's state, the cue or their words (ui.c: frame_changes) */
};
/* Only the numbers changed: the cue strip when the seconds left or the cue did, the force's row of the
 * numbers panel when the force did, the status bar when a device's rate did. */
void ui_therapist_draw_numbers(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved);
/* Only the curves moved (and the numbers): the curve's panel, and the numbers as above. */
void ui_therapist_draw_live(struct ui_dc *dc, const struct ui_model *m, struct ui_moved moved);
/* ui_entry.c: the entry of pain and notes over the therapist view, above bottom. */
void ui_entry_draw(struct ui_dc *dc, const struct ui_entry *e, int bottom);

/* The number of curves to draw (n_curves clamped to 0..UI_MAX_CURVES) and the active one (0 when
 * out of range): the model is the caller's and is not trusted to be in range. */
int ui_live_curves(const struct ui_live *lv);
int ui_live_active(const struct ui_live *lv);

/* Shared look: the colour of a cue, of a balance flag. */
uint32_t ui_cue_rgb(enum ui_cue cue);
uint32_t ui_flag_rgb(enum bal_flag f);
/* Records a button drawn in dc's view (for clicks). */
void ui_button_add(struct ui_dc *dc, enum ui_action a, SDL_Rect r, bool enabled);
/* Formats a force for display: "245.3 N", "–" for NAN. */
const char *ui_fmt_n(char *buf, size_t size, double n, int decimals);

/* ui_script.c: text in any script the fonts cover. Renders s (UTF-8) in white as one surface, each run of
 * characters in the font that has them (the main font, else the fallback) and right-to-left runs
 * (Arabic, Hebrew) shaped right to left; NULL when nothing can be rendered. ui_script_size measures the
 * same way (0 when it cannot). */
SDL_Surface *ui_script_render(struct ui *ui, TTF_Font *main_font, bool bold, int px, const char *s);
int ui_script_size(struct ui *ui, TTF_Font *main_font, bool bold, int px, const char *s, int *w, int *h);

/* ui_home.c: the home pages in the therapist view. */
struct ui_home;
void ui_home_draw(struct ui_dc *dc, const struct ui_home *h);
/* Records a clickable region (kind: enum ui_home_ev) of the home's frame, in view pixels. */
void ui_home_hit(struct ui_dc *dc, int kind, int index, SDL_Rect r);
/* ui_home_patient.c: a patient's page between top and bottom. */
void ui_home_patient_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom);
/* ui_home_start.c: the start page between top and bottom; one of its lists of choices in b (clicks
 * report column * UI_HOME_CHOICE_COLUMN + i), framed when active. */
void ui_home_start_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom);
struct ui_home_choice;
void ui_home_choices(struct ui_dc *dc, const char *head, const struct ui_home_choice *c, int n, int sel, bool active,
                     int column, SDL_Rect b);
/* ui_home_calib.c: the calibration page between top and bottom. */
void ui_home_calib_draw(struct ui_dc *dc, const struct ui_home *h, int pad, int top, int bottom);
/* ui.c: draws one frame of every view; the therapist view shows home when it is not NULL. */
enum st_status ui_frame_views(struct ui *ui, const struct ui_model *m, const struct ui_home *home, struct st_err *err);

/* ui_sound.c */
void ui_sound_open(struct ui *ui);
void ui_sound_close(struct ui *ui);

#endif
