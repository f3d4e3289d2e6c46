/*
 * driver.h - what every instrument family provides, and the table of families (libsigrok's
 * struct sr_dev_driver + its SCALE(...) rows: adding a family is adding a row).
 *
 * A family is two halves:
 *   - a pure parser: bytes in, readings out. It never touches a file descriptor or a clock, resyncs on
 *     garbage, and says how many bytes it consumed and whether it has a reading, needs more bytes, or
 *     skipped garbage (libsigrok's valid / invalid / need-more, http-parser's "bytes consumed").
 *     Tests feed it every reply split at every byte; fuzzers feed it anything.
 *   - an I/O half over a struct link: probe (identify without changing any setting), start and stop
 *     streaming (or poll), zero.
 * Every reading becomes newtons on entry (drv_unit_to_n); the original unit and raw text are kept for
 * the audit trail.
 */
#ifndef STATION_DRIVERS_DRIVER_H
#define STATION_DRIVERS_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "drivers/link.h"

/* ---- units -------------------------------------------------------------------------------- */

enum drv_unit { DRV_UNIT_UNKNOWN = 0, DRV_UNIT_N, DRV_UNIT_KN, DRV_UNIT_MN, DRV_UNIT_LBF, DRV_UNIT_KGF,
                DRV_UNIT_OZF, DRV_UNIT_GF };

/* Newtons per unit (DEVICES.md "Units"); NAN for DRV_UNIT_UNKNOWN. */
double drv_unit_to_n(enum drv_unit u);
/* The unit's usual symbol: "N", "kN", "mN", "lbf", "kgf", "ozf", "gf", "?". */
const char *drv_unit_name(enum drv_unit u);
/* Parses a unit symbol as instruments write it, case-insensitive: N, kN, mN, lbF/lbf/LB, kgF/kgf/KG,
 * ozF/ozf/OZ, gF/gf/G. DRV_UNIT_UNKNOWN if not recognised. */
enum drv_unit drv_unit_parse(const char *text, size_t len);

/* ---- readings ----------------------------------------------------------------------------- */

enum drv_kind {
    DRV_SAMPLE,       /* a force reading */
    DRV_TRIGGER,      /* a trigger input edge (chronojump R/r) */
    DRV_REPLY,        /* a recognised non-sample reply ("Starting capture...", "Tared", a version) */
    DRV_DEVICE_ERROR, /* the device refused a command ("Not a valid command", "*10", "E") */
    DRV_BAD,          /* garbage: a line that is none of the above (counted, kept in raw) */
};

#define DRV_RAW_MAX 80

struct drv_reading {
    enum drv_kind kind;
    double value;            /* in unit, as the device sent it (samples) */
    enum drv_unit unit;      /* the unit of value (the family's current unit when the line has none) */
    double force_n;          /* value in newtons (samples) */
    bool has_dev_time;
    uint64_t dev_time_us;    /* the device's clock, unwrapped to 64 bits (chronojump) */
    bool overload;           /* the device's overload marker (imada E) */
    bool trigger_rising;     /* DRV_TRIGGER: R (true) or r (false) */
    char raw[DRV_RAW_MAX];   /* the line as received, without terminator, NUL-terminated, truncated */
};

/* What a parse call did. */
enum drv_parse {
    DRV_NEED_MORE, /* consumed all the bytes given; no complete line yet */
    DRV_GOT,       /* *out holds a reading (any kind but DRV_BAD) */
    DRV_SKIPPED,   /* *out holds DRV_BAD: garbage was skipped (an unrecognised or over-long line) */
};

/* ---- line splitting, shared by the line-based parsers ------------------------------------- */

#define DRV_LINE_MAX 128

/*
 * Accumulates bytes into lines terminated by CR or LF (CRLF counts once; empty lines are skipped).
 * A line longer than DRV_LINE_MAX - 1 bytes is reported as overlong (its start is kept, the rest
 * dropped up to the next terminator). Pure, no allocation.
 */
struct drv_linebuf {
    char buf[DRV_LINE_MAX];
    size_t len;    /* bytes in buf (the line's length once complete) */
    bool overlong;
    bool done;     /* buf holds a complete line handed out by the last feed */
};

enum drv_line { DRV_LINE_NONE, DRV_LINE_OK, DRV_LINE_OVERLONG };

void drv_linebuf_init(struct drv_linebuf *lb);
/*
 * Feeds bytes; stops after the first complete line. *consumed = bytes used. Returns DRV_LINE_OK or
 * DRV_LINE_OVERLONG with the line (NUL-terminated, in lb->buf, length lb->len, valid until the next
 * feed), or DRV_LINE_NONE when all bytes were consumed without completing a line.
 */
enum drv_line drv_linebuf_feed(struct drv_linebuf *lb, const uint8_t *buf, size_t len, size_t *consumed);

/*
 * The opening every line-based family's parse shares: feeds buf into lb (*consumed as
 * drv_linebuf_feed) with *out cleared. Returns DRV_NEED_MORE while no line is complete; DRV_SKIPPED with
 * *out a DRV_BAD reading holding the start of an over-long line (its unit is the caller's to set);
 * DRV_GOT when lb->buf holds a whole line (length lb->len) for the family to classify into *out.
 */
enum drv_parse drv_line_parse(struct drv_linebuf *lb, const uint8_t *buf, size_t len, size_t *consumed,
                              struct drv_reading *out);

/* Copies a line into r->raw (truncated, NUL-terminated). */
void drv_reading_set_raw(struct drv_reading *r, const char *line, size_t len);

/*
 * Strict decimal parsing for parsers: the whole of text[0..len) must be an optional sign, digits, an
 * optional point and digits (no exponent, no spaces, no inf/nan). Returns false otherwise.
 */
bool drv_parse_decimal(const char *text, size_t len, double *out);

/* ---- identity and the family table -------------------------------------------------------- */

struct drv_ident {
    char family[16];    /* the driver name: "chronojump", "mark10", "loadstar", "imada" */
    char model[64];     /* "Force_Sensor", "Series 5", "FCM DI-1000", "DS2" ("" when unknown) */
    char firmware[64];  /* version or the id string the device gave */
    char serial[64];    /* serial number where the protocol gives one, else "" */
    enum drv_unit unit; /* the unit the device sends */
    double capacity_n;  /* full scale in N where known, else NAN */
    int baud;           /* the rate it answered at */
};

struct drv_dev;

struct drv_driver {
    const char *name;   /* "chronojump" */
    const char *title;  /* "Chronojump force sensor (Arduino + HX711)" */
    int default_baud;
    const int *bauds;   /* rates to try when probing, in order, 0-terminated (includes default) */
    double nominal_rate_hz; /* the usual streaming rate (for gap and stall detection) */
    bool device_clock;  /* samples carry the device's own time */
    bool resets_on_open; /* an Arduino-class board: silent for ~2-3 s after open */

    /* Pure parser. parser_size bytes of state, initialised by parser_init. */
    size_t parser_size;
    void (*parser_init)(void *state);
    enum drv_parse (*parse)(void *state, const uint8_t *buf, size_t len, size_t *consumed,
                            struct drv_reading *out);

    /* I/O half. probe identifies the device on an open link without changing its settings (only
     * read-only queries). Returns ST_OK with *id filled, ST_ERR_NO_DEVICE when something answered
     * that is not this family, ST_ERR_TIMEOUT when nothing answered, ST_ERR_DISCONNECTED. */
    enum st_status (*probe)(struct link *l, int timeout_ms, struct drv_ident *id, struct st_err *err);
    /* Starts the stream (or prepares polling). */
    enum st_status (*start)(struct drv_dev *d, struct st_err *err);
    /* Polling families: asks for the next reading (NULL for streaming families). */
    enum st_status (*request)(struct drv_dev *d, struct st_err *err);
    /* Stops the stream (best effort; the link may be gone). */
    enum st_status (*stop)(struct drv_dev *d, struct st_err *err);
    /* The family's zero (tare) command, sent while not streaming; NULL when the family has none. */
    enum st_status (*zero)(struct drv_dev *d, struct st_err *err);
};

/* An open device: the link, the family, its identity and the parser state. Owned by its creator. */
struct drv_dev {
    const struct drv_driver *drv;
    struct link *link;
    struct drv_ident ident;
    void *parser;     /* drv->parser_size bytes */
    bool polling;     /* request() before each reading */
    int rate_hz;      /* requested streaming rate (0: the family's default) */
};

/* The table of families, NULL-terminated. */
extern const struct drv_driver *const drv_table[];

/* The family called name, or NULL. */
const struct drv_driver *drv_find(const char *name);

/* "chronojump, mark10, loadstar, imada" into buf (for messages and --help). */
const char *drv_names(char *buf, size_t size);

/*
 * Opens port with family drv at baud (0: the family's default), probes it and fills a new drv_dev
 * (parser allocated and initialised). The caller frees it with drv_dev_close. On failure nothing is
 * left open and err says what went wrong in words.
 */
enum st_status drv_dev_open(const struct drv_driver *drv, const char *port, int baud, int probe_timeout_ms,
                            struct drv_dev **out, struct st_err *err);

/* Stops streaming (best effort), closes the link, frees d. NULL is fine. */
void drv_dev_close(struct drv_dev *d);

/*
 * Asks port for every family in drv_table in turn (each at its probe rates, short timeouts), never
 * writing a settings command before a device is identified. Returns ST_OK with *drv_out and *id for
 * the first family that answers; ST_ERR_NO_DEVICE ("Something answered on X but it is not a
 * dynamometer the station knows" or "No dynamometer answered on X: ...") otherwise.
 */
enum st_status drv_probe_port(const char *port, int timeout_ms, const struct drv_driver **drv_out,
                              struct drv_ident *id, struct st_err *err);

/* Reads lines until one satisfies accept(line, ctx) or timeout_ms passes; used by probes and
 * command/reply exchanges. Returns ST_OK with the line in buf, ST_ERR_TIMEOUT or ST_ERR_DISCONNECTED.
 * Lines that are not accepted are passed over (and counted in *skipped if not NULL). */
enum st_status drv_await_line(struct link *l, char *buf, size_t cap, int timeout_ms,
                              bool (*accept)(const char *line, void *ctx), void *ctx, int *skipped,
                              struct st_err *err);

#endif
