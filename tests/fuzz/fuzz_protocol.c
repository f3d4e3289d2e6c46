/*
 * fuzz_protocol.c - libFuzzer target for the protocol loader (proto_load_text) and the plan.
 * Any input is a candidate protocol file. Invariants: the loader either succeeds with every value in
 * its documented range and the text kept byte for byte, or fails with ST_ERR_PARSE and a message that
 * names the file and a line; a loaded protocol always expands into a plan of nblocks x (reps +
 * familiarisation) steps that visits each block in order; no crash, no leak, no sanitizer report.
 * Checks use abort() (not assert) so they hold in a Release build too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "protocols/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct proto_def d;
    struct st_err err;
    st_err_clear(&err);
    enum st_status s = proto_load_text("fuzz.ini", text, &d, &err);
    if (s != ST_OK) {
        FUZZ_CHECK(s == ST_ERR_PARSE);
        FUZZ_CHECK(strncmp(err.msg, "fuzz.ini", 8) == 0);
        FUZZ_CHECK(strstr(err.msg, " line ") != NULL);
        FUZZ_CHECK(d.text == NULL);
        free(text);
        return 0;
    }
    FUZZ_CHECK(d.text && strcmp(d.text, text) == 0 && d.text_len == strlen(text));
    FUZZ_CHECK(d.name[0] && d.title[0] && d.position[0]);
    FUZZ_CHECK(d.nblocks >= 1 && d.nblocks <= PROTO_MAX_BLOCKS);
    FUZZ_CHECK(d.reps >= 1 && d.reps <= PROTO_MAX_REPS);
    FUZZ_CHECK(d.familiarisation >= 0 && d.familiarisation <= PROTO_MAX_FAMILIARISATION);
    FUZZ_CHECK(d.hold_s >= 1 && d.hold_s <= 10);
    FUZZ_CHECK(d.rest_s >= 0 && d.rest_s <= 300);
    FUZZ_CHECK(d.countdown_s >= 0 && d.countdown_s <= 10);
    FUZZ_CHECK(d.block_rest_s >= 0 && d.block_rest_s <= 600);
    FUZZ_CHECK(d.onset_threshold_n > 0 && d.cv_limit_pct > 0);
    FUZZ_CHECK(d.max_extra_reps >= 0 && d.max_extra_reps <= PROTO_MAX_EXTRA_REPS);
    FUZZ_CHECK(d.ratio_red < d.ratio_amber && d.asymmetry_amber_pct < d.asymmetry_red_pct);
    for (int i = 0; i < d.nblocks; i++) {
        FUZZ_CHECK(d.blocks[i].channel >= 0 && d.blocks[i].channel < ST_MAX_CHANNELS);
        FUZZ_CHECK(d.blocks[i].side != ST_SIDE_BOTH || d.blocks[i].dir == ST_DIR_ADD);
    }
    struct proto_plan p;
    s = proto_plan_make(&d, proto_seed_resolve(&d, 12345), &p, &err);
    FUZZ_CHECK(s == ST_OK);
    FUZZ_CHECK(p.nsteps == d.nblocks * (d.reps + d.familiarisation));
    FUZZ_CHECK(p.norder == d.nblocks);
    int seen[PROTO_MAX_BLOCKS] = {0};
    for (int i = 0; i < p.norder; i++)
        seen[p.order[i]]++;
    for (int i = 0; i < d.nblocks; i++)
        FUZZ_CHECK(seen[i] == 1);
    char buf[256];
    proto_plan_str(&d, &p, buf, sizeof buf);
    proto_free(&d);
    free(text);
    return 0;
}
