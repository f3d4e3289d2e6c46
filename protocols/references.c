/* references.c - CLINICAL.md's reference values as a table; see references.h. */
#include "protocols/references.h"

#include <string.h>

static const struct ref_values table[] = {
    {"Professional football, eccentric side-lying (Mosler 2017, JSAMS 20:339)", PROTO_BREAK, "side-lying",
     "ADD 3.0 +/- 0.6 N·m/kg, ABD 2.6 +/- 0.4 N·m/kg, ADD:ABD 1.2 +/- 0.2"},
    {"Field hockey, eccentric (Beddows 2020)", PROTO_BREAK, NULL,
     "ADD 2.8 +/- 0.4, ABD 2.6 +/- 0.4 N·m/kg, ADD:ABD 1.1 +/- 0.2"},
    {"Novice runners, eccentric ABD (Ramskov 2014)", PROTO_BREAK, NULL,
     "ABD men 1.62 +/- 0.38, women 1.41 +/- 0.33 N·m/kg"},
};

const struct ref_values *ref_values_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

bool ref_values_match(const struct ref_values *r, enum proto_contraction contraction, const char *position)
{
    if (r->contraction != contraction)
        return false;
    return !r->position_word || (position && strstr(position, r->position_word));
}
