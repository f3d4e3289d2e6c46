/*
 * gui_text.h - editing the text of a field at a caret, UTF-8 aware: the home's fields (the patient
 * form, the search, the settings, the calibration check, the body-mass box) insert typed text at the
 * caret, Backspace and Delete remove one whole character before or after it, and Left, Right, Home and
 * End move it by whole characters. Pure: a NUL-terminated buffer and a byte offset in, the new offset
 * out; no allocation, nothing else touched, so tests feed it every case.
 *
 * A caret is a byte offset on a character boundary, 0 <= at <= strlen(buf); an offset past the end is
 * taken as the end, one inside a character as the start of that character.
 */
#ifndef STATION_GUI_GUI_TEXT_H
#define STATION_GUI_GUI_TEXT_H

#include <stddef.h>

/* The caret at, put on a character boundary of buf and within it. */
size_t gui_text_clamp(const char *buf, size_t at);

/* The start of the character before at (0 at the start), and the offset after the character at at
 * (strlen(buf) at the end). */
size_t gui_text_prev(const char *buf, size_t at);
size_t gui_text_next(const char *buf, size_t at);

/* Inserts text at at when all of it fits in size bytes with the NUL (typed text is never cut inside a
 * character); returns the caret after it, or at unchanged when it does not fit. */
size_t gui_text_insert(char *buf, size_t size, size_t at, const char *text);

/* Removes the character before at (Backspace) and returns the new caret; at 0 nothing happens. */
size_t gui_text_erase_before(char *buf, size_t at);

/* Removes the character at at (Delete); the caret stays. At the end nothing happens. */
size_t gui_text_erase_at(char *buf, size_t at);

#endif
