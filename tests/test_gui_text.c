/*
 * test_gui_text.c - editing a field at its caret (station/gui/gui_text.h), whole UTF-8 characters at a
 * time: inserting in the middle, Backspace and Delete around two- three- and four-byte characters,
 * moving by characters, a caret inside a character or past the end, and text that does not fit.
 */
#include "check.h"
#include "station/gui/gui_text.h"

#define NAME "Zo\xc3\xab \xe6\x9d\x8e\xf0\x9f\x98\x80" /* Zoë 李😀: 1, 2, 3 and 4-byte characters */

static void test_moves(void)
{
    const char *s = NAME; /* Z o ë(2) space 李(3) 😀(4): 12 bytes */
    CHECK_INT(strlen(s), 12);
    CHECK_INT(gui_text_next(s, 0), 1);
    CHECK_INT(gui_text_next(s, 2), 4);   /* over ë */
    CHECK_INT(gui_text_next(s, 5), 8);   /* over 李 */
    CHECK_INT(gui_text_next(s, 8), 12);  /* over 😀 */
    CHECK_INT(gui_text_next(s, 12), 12); /* the end stays */
    CHECK_INT(gui_text_prev(s, 12), 8);
    CHECK_INT(gui_text_prev(s, 8), 5);
    CHECK_INT(gui_text_prev(s, 4), 2);
    CHECK_INT(gui_text_prev(s, 0), 0);
    CHECK_INT(gui_text_clamp(s, 3), 2);   /* inside ë: its start */
    CHECK_INT(gui_text_clamp(s, 10), 8);  /* inside 😀 */
    CHECK_INT(gui_text_clamp(s, 99), 12); /* past the end: the end */
    CHECK_INT(gui_text_prev(s, 99), 8);
}

static void test_insert(void)
{
    char buf[32] = "Zo Martin";
    size_t at = gui_text_insert(buf, sizeof buf, 2, "\xc3\xab");
    CHECK_STR(buf, "Zo\xc3\xab Martin");
    CHECK_INT(at, 4);
    at = gui_text_insert(buf, sizeof buf, 0, "Dr ");
    CHECK_STR(buf, "Dr Zo\xc3\xab Martin");
    CHECK_INT(at, 3);
    at = gui_text_insert(buf, sizeof buf, 99, "!");
    CHECK_STR(buf, "Dr Zo\xc3\xab Martin!");
    CHECK_INT(at, strlen(buf));
    /* A character that does not fit whole is not typed, and nothing moves. */
    char small[6] = "abcd";
    CHECK_INT(gui_text_insert(small, sizeof small, 2, "\xe6\x9d\x8e"), 2);
    CHECK_STR(small, "abcd");
    CHECK_INT(gui_text_insert(small, sizeof small, 2, "x"), 3);
    CHECK_STR(small, "abxcd");
    CHECK_INT(gui_text_insert(small, sizeof small, 0, "y"), 0);
    CHECK_STR(small, "abxcd");
}

static void test_erase(void)
{
    char buf[32] = NAME;
    size_t at = gui_text_erase_before(buf, 8); /* Backspace after 李 */
    CHECK_STR(buf, "Zo\xc3\xab \xf0\x9f\x98\x80");
    CHECK_INT(at, 5);
    at = gui_text_erase_at(buf, 5); /* Delete on 😀 */
    CHECK_STR(buf, "Zo\xc3\xab ");
    CHECK_INT(at, 5);
    CHECK_INT(gui_text_erase_at(buf, 5), 5); /* at the end: nothing */
    CHECK_STR(buf, "Zo\xc3\xab ");
    at = gui_text_erase_before(buf, 3); /* inside ë: taken as before it, so the o goes */
    CHECK_STR(buf, "Z\xc3\xab ");
    CHECK_INT(at, 1);
    CHECK_INT(gui_text_erase_before(buf, 0), 0); /* at the start: nothing */
    CHECK_STR(buf, "Z\xc3\xab ");
    at = gui_text_erase_at(buf, 1);
    CHECK_STR(buf, "Z ");
    CHECK_INT(at, 1);
}

int main(void)
{
    CHECK_RUN(test_moves);
    CHECK_RUN(test_insert);
    CHECK_RUN(test_erase);
    return check_done();
}
