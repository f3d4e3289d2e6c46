/*
 * references.h - published reference values for hip ADD and ABD strength (CLINICAL.md's table), with
 * the test they were measured in, so a session is compared only with values from the same kind of
 * test and position. One table for the report (station/export/report.c) and `station show`.
 *
 * A row matches a protocol when the contraction is the same (make or break) and, where the row names
 * one, the protocol's position contains its position word ("side-lying"). Every published value here
 * comes from eccentric (break) tests in athletes and runners, so a make test matches none: the caller
 * says so rather than compare across tests (the ratio moves from 1.49 to 2.30 between 0 and 20 degrees
 * of abduction alone).
 */
#ifndef STATION_PROTOCOLS_REFERENCES_H
#define STATION_PROTOCOLS_REFERENCES_H

#include <stdbool.h>
#include <stddef.h>

#include "protocols/protocol.h"

struct ref_values {
    const char *what;                  /* population, test and source: "Field hockey, eccentric (Beddows 2020)" */
    enum proto_contraction contraction;
    const char *position_word;         /* the protocol's position must contain it; NULL: any */
    const char *values;                /* "ADD 2.8 +/- 0.4, ABD 2.6 +/- 0.4 N·m/kg, ADD:ABD 1.1 +/- 0.2" */
};

/* The table (static storage) and its length in *n. */
const struct ref_values *ref_values_table(size_t *n);

/* Whether row r applies to a test of this contraction and position (position may be NULL: none). */
bool ref_values_match(const struct ref_values *r, enum proto_contraction contraction, const char *position);

#endif
