/*
 * cmd_protocols.c - `station protocols [--protocol FILE]`: the test protocols the station knows (the
 * shipped protocol files and any file named), with their position and timings, and broken files with
 * the message that says what is wrong where.
 */
#include <stdio.h>

#include "protocols/protocol.h"
#include "protocols/limb.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"
#include "station/paths.h"
#include "station/protocol_files.h"

static void print_def(const struct proto_def *d)
{
    printf("%-16s %s\n", d->name, d->title);
    printf("%-16s   position: %s; %s lever; %s; order %s\n", "", d->position, proto_lever_name(d->lever),
           proto_contraction_name(d->contraction), proto_order_name(d->order));
    printf("%-16s   blocks:", "");
    for (int i = 0; i < d->nblocks; i++)
        printf("%s %s %s", i ? "," : "", st_dir_short(d->blocks[i].dir), st_side_name(d->blocks[i].side));
    printf("\n%-16s   per block: %d practice rep(s) + %d measured rep(s)%s\n", "", d->familiarisation, d->reps,
           d->gravity_correction ? "; ABD gravity-corrected" : "");
    printf("%-16s   timings: countdown %g s, hold %g s, rest between reps %g s, pause between blocks %g s\n", "",
           d->countdown_s, d->hold_s, d->rest_s, d->block_rest_s);
}

static int list_cb(void *ctx, const char *path, const struct proto_def *def, const struct st_err *err)
{
    int *bad = ctx;
    if (def)
        print_def(def);
    else {
        printf("%-16s cannot be used: %s\n", path, st_err_msg(err));
        (*bad)++;
    }
    return 0;
}

int cmd_protocols(int argc, char **argv)
{
    const char *file = NULL, *db = NULL;
    struct cli_opt opts[] = {
        {"--protocol", CLI_STR, &file, "FILE", "also show this protocol file", false},
        {"--db", CLI_STR, &db, "PATH", "accepted for symmetry; protocols live in files", false},
    };
    struct cli_cmd cmd = {"station protocols", "[--protocol FILE]",
                          "The test protocols the station knows: the shipped protocol files (*.ini) and any\n"
                          "file given with --protocol. `station run --protocol NAME|FILE` runs one.",
                          CLI_OPTS(opts), 0, 0};
    int rc = cli_parse(&cmd, argc, argv, NULL, NULL);
    if (rc >= 0)
        return rc;
    struct st_err err;
    st_err_clear(&err);
    int bad = 0;
    printf("Protocols in %s:\n", paths_protocol_dir());
    if (st_proto_list(paths_protocol_dir(), list_cb, &bad, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    if (file) {
        struct proto_def d;
        if (st_proto_load_file(file, &d, &err) != ST_OK)
            return cli_fail("%s", st_err_msg(&err));
        printf("From %s:\n", file);
        print_def(&d);
        proto_free(&d);
    }
    return 0;
}
