/*
 * ui_entry.c - the entry of pain and notes (N) over the therapist view: the patient's pain (0-10) and
 * the therapist's note for the last rep, and a note on the session, in one box.
 *
 * Like every screen here it only draws what the station put in struct ui_entry (ui.h): the text as
 * typed, which field has the keyboard, and why the last Enter did not save. The typing itself comes
 * from SDL's text-input events (ui.c), so an input method can compose any script, and the text is
 * drawn with the fonts' fallback (ui_script.c) like every other text.
 */
#include <math.h>
#include <stdio.h>

#include "station/ui/ui_priv.h"

#define RGB_FRAME 0x2563ebu
#define RGB_BOX 0x1b1f26u

static int EU(float u, float v)
{
    return (int)lroundf(u * v);
}

void ui_entry_draw(struct ui_dc *dc, const struct ui_entry *e, int bottom)
{
    float u = dc->u;
    bool rep = e->rep[0] != '\0';
    int fields = rep ? 3 : 1;
    int lab = ui_text_px(15 * u), title = ui_text_px(22 * u), small = ui_text_px(13.5f * u);
    int box_h = EU(u, 40), label_h = ui_text_height(dc, lab, true) + EU(u, 4), row = label_h + box_h + EU(u, 12);
    int w = EU(u, 720), h = EU(u, 70) + fields * row + EU(u, 64);
    if (w > dc->w - EU(u, 20))
        w = dc->w - EU(u, 20);
    if (h > bottom - EU(u, 10))
        h = bottom - EU(u, 10);
    ui_draw_fill_alpha(dc, 0, 0, dc->w, bottom, 0x000000, 170);
    int x = (dc->w - w) / 2, y = (bottom - h) / 2, in = EU(u, 24), iw = w - 2 * in;
    ui_draw_round(dc, x, y, w, h, EU(u, 10), RGB_FRAME);
    ui_draw_round(dc, x + EU(u, 3), y + EU(u, 3), w - EU(u, 6), h - EU(u, 6), EU(u, 8), RGB_BOX);
    ui_text_fit(dc, rep ? "Pain and notes" : "Note on the session", x + in, y + EU(u, 18), title, EU(u, 12), true,
                0xffffff, 0, iw);
    int fy = y + EU(u, 62);
    char buf[128];
    for (int f = rep ? 0 : UI_ENTRY_SESSION_NOTE; f < UI_ENTRY_FIELDS; f++, fy += row) {
        const char *label = "", *value = "", *hint = "";
        switch (f) {
        case UI_ENTRY_PAIN:
            snprintf(buf, sizeof buf, "Pain during %s (0 none \xe2\x80\x93 10 worst)", e->rep);
            label = buf, value = e->pain, hint = "empty: not asked";
            break;
        case UI_ENTRY_REP_NOTE:
            snprintf(buf, sizeof buf, "Note on %s", e->rep);
            label = buf, value = e->rep_note, hint = "optional";
            break;
        default: label = "Note on the session (added to its report)", value = e->session_note, hint = "optional"; break;
        }
        bool focus = e->focus == f, error = focus && e->message[0];
        ui_text_fit(dc, label, x + in, fy, lab, EU(u, 9), focus, focus ? UI_RGB_TEXT : UI_RGB_MUTED, 0, iw);
        SDL_Rect r = {x + in, fy + label_h, f == UI_ENTRY_PAIN ? EU(u, 140) : iw, box_h};
        ui_draw_text_box(dc, r, value, hint, focus, error);
    }
    int my = y + h - EU(u, 52);
    if (e->message[0])
        ui_text_fit(dc, e->message, x + in, my, small, EU(u, 9), true, ui_colour_rgb(UI_COL_FLAG_RED), 0, iw);
    ui_text_fit(dc, "Tab next field  \xc2\xb7  Enter saves  \xc2\xb7  Esc cancels (nothing is saved)", x + in,
                my + EU(u, 24), small, EU(u, 9), false, UI_RGB_MUTED, 0, iw);
}
