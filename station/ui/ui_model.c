/*
 * ui_model.c - the plain-data half of the UI: the model's defaults, the traces the curves are drawn
 * from, the words of the cues and the colour table.
 *
 * Nothing here touches SDL, so a headless station fills the same model (and tests build one by hand)
 * without a display. The traces are circular buffers over caller-owned arrays: the station pushes
 * every drained sample and the UI reads the last window of them, with no allocation anywhere.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "protocols/metrics.h"
#include "station/ui/ui.h"

void ui_trace_init(struct ui_trace *tr, double *t_s, double *force_n, size_t cap)
{
    tr->t_s = t_s;
    tr->force_n = force_n;
    tr->cap = (t_s && force_n) ? cap : 0;
    tr->first = 0;
    tr->n = 0;
    tr->rejected = 0;
}

bool ui_trace_push(struct ui_trace *tr, double t_s, double force_n)
{
    if (tr->cap == 0 || !isfinite(t_s) || !isfinite(force_n)) {
        tr->rejected++;
        return false;
    }
    if (tr->n > 0) {
        size_t last = (tr->first + tr->n - 1) % tr->cap;
        if (t_s < tr->t_s[last]) {
            tr->rejected++;
            return false;
        }
    }
    size_t at;
    if (tr->n < tr->cap) {
        at = (tr->first + tr->n) % tr->cap;
        tr->n++;
    } else {
        at = tr->first;
        tr->first = (tr->first + 1) % tr->cap;
    }
    tr->t_s[at] = t_s;
    tr->force_n[at] = force_n;
    return true;
}

void ui_trace_clear(struct ui_trace *tr)
{
    tr->first = 0;
    tr->n = 0;
}

void ui_trace_get(const struct ui_trace *tr, size_t i, double *t_s, double *force_n)
{
    size_t at = (tr->first + i) % tr->cap;
    *t_s = tr->t_s[at];
    *force_n = tr->force_n[at];
}

void ui_model_init(struct ui_model *m)
{
    memset(m, 0, sizeof *m);
    m->session.state_remaining_s = NAN;
    m->session.dir = ST_DIR_ADD;
    m->session.side = ST_SIDE_LEFT;
    m->last.peak_n = NAN;
    for (int i = 0; i < UI_MAX_REPS; i++) {
        m->reps[i].peak_n = NAN;
        m->reps[i].pain = -1;
    }
    m->live.force_n = NAN;
    m->live.block_best_n = NAN;
    m->live.last_peak_n = NAN;
    m->live.threshold_n = NAN;
    m->live.target_n = NAN;
    m->live.window_s = 10.0;
    m->live.y_max_n = NAN;
    m->live.rep_onset_s = NAN;
    m->live.hold_s = NAN;
    m->live.band_lo_n = NAN;
    m->live.band_hi_n = NAN;
    for (int i = 0; i < UI_MAX_DEVICES; i++)
        m->devices[i].rate_hz = NAN;
    m->final.error_band_pct = 10.0;
    m->final.ratio_red = 0.80;
    m->final.ratio_amber = 0.90;
}

float ui_layout_unit(enum ui_view v, int w, int h, float ddpi)
{
    bool patient = v == UI_VIEW_PATIENT;
    float u = fminf((float)w / (patient ? 800.0f : 1000.0f), (float)h / (patient ? 600.0f : 780.0f));
    float k = ddpi > 0 ? ddpi / 96.0f : 1.0f; /* (NAN fails the test: unknown) */
    k = k < 1.0f ? 1.0f : k > 3.0f ? 3.0f : k;
    /* as many millimetres as a small window's at 96 DPI (readable), but at most 15 % beyond what the
     * window fits: the layout stays whole (its texts are fitted to their places, not its heights) */
    float lo = 0.55f * k, fit = u > 0 ? 1.15f * u : 0.0f;
    if (lo > fit)
        lo = fit > 0.55f ? fit : 0.55f;
    if (!(u >= lo)) /* (a NAN or negative size: the floor) */
        u = lo;
    return u > 3.0f ? 3.0f : u;
}

const char *ui_cue_words(enum ui_cue cue, double remaining_s, char *buf, size_t size)
{
    if (!buf || size == 0)
        return "";
    switch (cue) {
    case UI_CUE_WAIT: snprintf(buf, size, "Get into position"); break;
    case UI_CUE_READY: snprintf(buf, size, "Get ready"); break;
    case UI_CUE_PUSH: snprintf(buf, size, "Push!"); break;
    case UI_CUE_HOLD: snprintf(buf, size, "Hold"); break;
    case UI_CUE_RELAX: snprintf(buf, size, "Relax"); break;
    case UI_CUE_REST:
        if (isfinite(remaining_s) && remaining_s > 0 && remaining_s < 1e6)
            snprintf(buf, size, "Rest %d s", (int)ceil(remaining_s - 1e-9));
        else
            snprintf(buf, size, "Rest");
        break;
    case UI_CUE_PAUSED: snprintf(buf, size, "Paused"); break;
    case UI_CUE_DONE: snprintf(buf, size, "Well done"); break;
    case UI_CUE_STOPPED: snprintf(buf, size, "Test stopped"); break;
    case UI_CUE_NONE:
    case UI_CUE_COUNT:
    default: buf[0] = '\0'; break;
    }
    return buf;
}

const char *ui_dir_plain(enum st_dir d)
{
    switch (d) {
    case ST_DIR_ADD: return "squeeze in";
    case ST_DIR_ABD: return "push out";
    case ST_DIR_COUNT:
    default: return "?";
    }
}

const char *ui_action_name(enum ui_action a)
{
    static const char *const names[UI_ACT_COUNT] = {
        [UI_ACT_NONE] = "none",     [UI_ACT_START] = "start",   [UI_ACT_REDO] = "redo",
        [UI_ACT_REJECT] = "reject", [UI_ACT_ACCEPT] = "accept", [UI_ACT_SKIP] = "skip",
        [UI_ACT_PAUSE] = "pause",   [UI_ACT_NOTE] = "note",     [UI_ACT_ABORT] = "abort",
    };
    if ((int)a < 0 || a >= UI_ACT_COUNT)
        return "?";
    return names[a];
}

/* Chosen for contrast on the dark slate background and for telling the channels apart with the
 * common colour-vision deficiencies (blue / orange first). */
uint32_t ui_colour_rgb(enum ui_colour c)
{
    static const uint32_t table[UI_COL_COUNT] = {
        [UI_COL_BG] = 0x161b22,         [UI_COL_CURVE0] = 0x38bdf8,      [UI_COL_CURVE1] = 0xfb923c,
        [UI_COL_CURVE2] = 0xa3e635,     [UI_COL_CURVE3] = 0xe879f9,      [UI_COL_THRESHOLD] = 0xfacc15,
        [UI_COL_BEST] = 0x34d399,       [UI_COL_LOST] = 0xc81e1e,        [UI_COL_ALERT] = 0xb45309,
        [UI_COL_PATIENT_BG] = 0x000000, [UI_COL_PATIENT_BAR] = 0x22d3ee, [UI_COL_TARGET] = 0xfde047,
        [UI_COL_FLAG_RED] = 0xef4444,   [UI_COL_FLAG_AMBER] = 0xf59e0b,  [UI_COL_FLAG_NORMAL] = 0x22c55e,
        [UI_COL_NOTICE] = 0x1d4ed8,
    };
    if ((int)c < 0 || c >= UI_COL_COUNT)
        return 0;
    return table[c];
}

/* Keyed by met_flag_name so flags the metrics gain later find their words here by name alone. */
static const struct {
    const char *name, *words;
} flag_words[] = {
    {"pre_tension", "pushing before the start"},
    {"unstable_baseline", "leg not still before the start"},
    {"countermovement", "pulled back before pushing"},
    {"saturation", "over the gauge's range"},
    {"too_short", "released too early"},
    {"no_onset", "no push detected"},
    {"onset_in_baseline", "already pushing when the zero was read"},
    {"opposite_direction", "pushed the wrong way"},
};

const char *ui_flag_words(unsigned flags, char *buf, size_t size)
{
    if (!buf || size == 0)
        return "";
    buf[0] = '\0';
    size_t len = 0;
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        const char *name = met_flag_name(1u << bit);
        if (!name)
            continue;
        char own[48];
        const char *words = NULL;
        for (size_t i = 0; i < sizeof flag_words / sizeof flag_words[0] && !words; i++)
            if (strcmp(flag_words[i].name, name) == 0)
                words = flag_words[i].words;
        if (!words) { /* a flag newer than this table: its name, readable */
            snprintf(own, sizeof own, "%s", name);
            for (char *c = own; *c; c++)
                if (*c == '_')
                    *c = ' ';
            words = own;
        }
        int w = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", words);
        if (w < 0 || (size_t)w >= size - len) {
            buf[len] = '\0'; /* whole words only */
            break;
        }
        len += (size_t)w;
    }
    return buf;
}
