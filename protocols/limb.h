/*
 * limb.h - what a block of repetitions tests: the direction of the movement and the side.
 *
 * The text forms are the ones stored in the database and written in exports and protocol files:
 * "adduction" / "abduction", "left" / "right" / "both" (both = the bilateral squeeze test).
 */
#ifndef STATION_PROTOCOLS_LIMB_H
#define STATION_PROTOCOLS_LIMB_H

#include <stdbool.h>

enum st_dir { ST_DIR_ADD = 0, ST_DIR_ABD = 1, ST_DIR_COUNT };
enum st_side { ST_SIDE_LEFT = 0, ST_SIDE_RIGHT = 1, ST_SIDE_BOTH = 2, ST_SIDE_COUNT };

/* "adduction" / "abduction"; "?" for a value out of range. */
const char *st_dir_name(enum st_dir d);
/* "ADD" / "ABD" (for screens and tables). */
const char *st_dir_short(enum st_dir d);
/* "left" / "right" / "both". */
const char *st_side_name(enum st_side s);

/* Parses the names above, and the short forms "add"/"abd", "l"/"r"/"b", case-insensitive. */
bool st_dir_parse(const char *text, enum st_dir *out);
bool st_side_parse(const char *text, enum st_side *out);

#endif
