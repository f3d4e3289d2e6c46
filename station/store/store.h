/*
 * store.h - the station's one SQLite file: patients, therapists, devices, calibrations, protocols as
 * run, sessions, repetitions with every metric and their raw samples, and an audit log.
 *
 * Durability (DESIGN.md "Writes that matter are transactions"):
 *   - WAL journal, synchronous=FULL, foreign keys on, a busy timeout (2 s by default).
 *   - store_rep_add writes one repetition (its metrics and its raw samples) in ONE transaction and
 *     returns ST_OK only after the commit is durable. The caller shows "saved" only then. A kill -9 or
 *     a pulled plug at any moment leaves either the whole rep or nothing of it.
 *   - The store runs its own WAL checkpoints after a commit has returned, so a failing checkpoint
 *     can never make a committed rep look unsaved (SQLite's automatic checkpoint would report its
 *     error on the COMMIT itself).
 *   - A full disk or an I/O error during store_rep_add keeps the rep: a copy of it and its samples
 *     goes to an in-memory pending queue, the call returns ST_ERR_DISK_FULL (or ST_ERR_IO) with a
 *     message that says so, and store_flush_pending writes the queue when space returns;
 *     export_pending_json (station/export/rep_json.h) writes it to a file the therapist chooses.
 *     store_rep_add flushes the queue itself first, so reps land in order; while the queue cannot be
 *     written, new reps join it. A rep is identified by its UUID, so one that did land despite a
 *     reported error is never written twice.
 *
 * Hostile files: store_open never overwrites, deletes or "repairs" a file it did not create. Each
 * failure has its own status and a message naming the file and what to do: ST_ERR_DB_LOCKED (another
 * station holds the write lock past the busy timeout), ST_ERR_DB_READONLY, ST_ERR_DB_CORRUPT,
 * ST_ERR_DB_NOT_A_DB (not SQLite, or another program's SQLite file), ST_ERR_DB_NEWER (schema newer than
 * this station), ST_ERR_DISK_FULL, ST_ERR_IO (cannot open or create the file).
 *
 * Schema: versioned with PRAGMA user_version (STORE_SCHEMA_VERSION) and PRAGMA application_id
 * (STORE_APPLICATION_ID); store_open migrates an older file forward in one transaction. See
 * station/store/store_schema.c for the tables and the migration table (a new version is one more entry).
 *
 * Raw samples: one row per repetition in rep_samples; the BLOB holds n pairs (t_s, force_n), each an
 * IEEE-754 float64 in little-endian byte order, 16 bytes per sample, t first (encoding 'f64le-t-f').
 * t_s is seconds from the rep's first sample (the caller decides the origin), force_n newtons, tared.
 *
 * Times: created/started/ended are Unix seconds (wall clock, UTC); birth dates and mass dates are
 * 'YYYY-MM-DD' text. A metric that is null (NAN in struct met_result) is stored as SQL NULL and read
 * back as NAN.
 *
 * Threads: a struct store is used by one thread at a time. Several processes may open the same file.
 * Patient data never goes to the log or into error messages: messages name files, ids and fields.
 *
 * Conventions for every function below (each says only what differs):
 *   - It returns ST_OK on success; otherwise a status from the list under "Hostile files" (or
 *     ST_ERR_ARG for a value that does not fit, ST_ERR_NOT_FOUND for an id that is not in the file,
 *     ST_ERR_NOMEM) and, when err is not NULL, a message naming the file and what to do.
 *   - Structs passed in are the caller's: the store reads them and fills the fields marked "out".
 *     Text and arrays passed in are borrowed for the call only.
 *   - A list (*out, *n) is a new array the caller frees with free(); on failure *out is NULL and *n 0.
 *   - A write is one transaction: on failure nothing of it is in the file.
 */
#ifndef STATION_STATION_STORE_H
#define STATION_STATION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"
#include "common/sample.h"
#include "protocols/balance.h"
#include "protocols/limb.h"
#include "protocols/metrics.h"

#define STORE_SCHEMA_VERSION 9
#define STORE_APPLICATION_ID 1398033969 /* 0x53544e31, "STN1" */
#define STORE_UUID_SIZE 37              /* 36 characters and the NUL */

struct store;

/* ------------------------------------------------------------------------------------------------ */
/* Opening and closing                                                                              */

struct store_opts {
    int busy_timeout_ms; /* how long to wait for another station's write lock; <= 0: 2000 */
    const char *vfs;     /* SQLite VFS name (tests register fault-injecting ones); NULL: default */
    bool quick_check;    /* run PRAGMA quick_check on open (slow on big files); corrupt -> refuse */
};

/*
 * Opens the database at path, creating it (mode 0600, created with O_EXCL before SQLite sees it) when
 * it does not exist, and migrating it forward to STORE_SCHEMA_VERSION. *out is set to a new store on
 * ST_OK and to NULL otherwise; free it with store_close. opts may be NULL. On failure an existing file
 * is exactly as it was, and a file this call created (with its -wal/-shm) is removed again.
 */
enum st_status store_open(const char *path, struct store **out, struct st_err *err);
enum st_status store_open_opts(const char *path, const struct store_opts *opts, struct store **out,
                               struct st_err *err);

/* Closes the store (NULL is fine). Reps still pending are lost: call store_flush_pending (and, if that
 * fails, export_pending_json) first; store_close logs a warning with their count. */
void store_close(struct store *s);

/* The file's path as given to store_open (owned by the store). */
const char *store_path(const struct store *s);

/* Runs PRAGMA integrity_check; ST_OK when it says "ok", ST_ERR_DB_CORRUPT with the first problem. */
enum st_status store_integrity_check(struct store *s, struct st_err *err);

/* Checks that the repetitions table and the station's tables agree: every metric field
 * (protocols/metric_fields.h) and every column the store writes has its column, and every column is
 * one of them. ST_OK, else ST_ERR_DB naming the first column missing or unknown (a metric added
 * without its migration, or a migration without its metric). */
enum st_status store_schema_check(struct store *s, struct st_err *err);

/* unix_s as ISO 8601 UTC, "2025-11-25T13:29:00Z", into buf (at least 32 bytes); returns buf. "" for 0. */
const char *store_time_str(int64_t unix_s, char *buf, size_t size);

/* A new random (version 4) UUID from getrandom(), lowercase, 36 characters plus NUL. */
void store_uuid_new(char out[STORE_UUID_SIZE]);

/* ------------------------------------------------------------------------------------------------ */
/* Therapists, devices, calibrations, protocols                                                     */

/* The id of the therapist with this name (operator name or initials, valid UTF-8, 1-200 bytes) in
 * *id, adding the therapist if new. ST_ERR_ARG for a name that is not valid text. */
enum st_status store_therapist_ensure(struct store *s, const char *name, int64_t *id, struct st_err *err);

struct store_device {
    int64_t id;                 /* out */
    char uuid[STORE_UUID_SIZE]; /* out */
    char family[32];            /* driver family, e.g. "chronojump" */
    char model[64];
    char serial[64]; /* serial number or id string; "" if the device has none */
    char firmware[64];
    double capacity_n; /* full scale in N; NAN unknown */
    char unit[16];     /* the unit the device reports in, e.g. "N", "kgf", "lbf" */
};

/* The device with d->family and d->serial: its id (and uuid) in d, adding it if new. Model, firmware,
 * capacity and unit are updated when they changed (a firmware update keeps the device). ST_ERR_ARG
 * names a text field that is not valid; d->id is 0 after any failure. */
enum st_status store_device_ensure(struct store *s, struct store_device *d, struct st_err *err);
/* Loads device id into d (the caller's). ST_ERR_NOT_FOUND if there is none. */
enum st_status store_device_get(struct store *s, int64_t id, struct store_device *d, struct st_err *err);

struct store_calibration {
    int64_t id; /* out */
    int64_t device_id;
    int64_t checked;      /* Unix seconds; 0: now */
    double reference_kg;  /* the reference mass hung or placed */
    double reading_n;     /* what the device read */
    double error_pct;     /* 100 * (reading - reference * g) / (reference * g) */
    bool ok;              /* within the tolerance the caller applied */
    int64_t therapist_id; /* 0: unknown */
};
/* Records a calibration check; fills c->id (and c->checked when it was 0). ST_ERR_ARG when the mass or
 * the reading is not a number, or the device is not in the file. */
enum st_status store_calibration_add(struct store *s, struct store_calibration *c, struct st_err *err);
/* The latest calibration check of the device into c; ST_ERR_NOT_FOUND if it has none. */
enum st_status store_calibration_last(struct store *s, int64_t device_id, struct store_calibration *c,
                                      struct st_err *err);

/* A device's calibration state at a given time, for the screen and the reports. */
enum store_cal_state {
    STORE_CAL_OK = 0, /* checked within max_age_days, within tolerance */
    STORE_CAL_NONE,   /* never checked (before that time) */
    STORE_CAL_OLD,    /* the last check is older than max_age_days */
    STORE_CAL_OFF,    /* the last check was out of tolerance */
};
struct store_cal_status {
    enum store_cal_state state;
    struct store_calibration last; /* the check it is based on (state != NONE) */
    double age_days;
    char text[160]; /* the words for screen and report: "" when OK */
};
/* "ok", "none", "old", "off" (a static string; "?" for a value out of range). */
const char *store_cal_state_name(enum store_cal_state st);
/*
 * The calibration state of device_id as of unix time at (0: now): its last check at or before then,
 * flagged when older than max_age_days (<= 0: $STATION_CALIBRATION_MAX_DAYS, else 365) or out of
 * tolerance. ST_OK with out filled (NONE
 * when there is no check); store errors otherwise.
 */
enum st_status store_calibration_status(struct store *s, int64_t device_id, int64_t at, int max_age_days,
                                        struct store_cal_status *out, struct st_err *err);

/* The id (in *id) of the protocol whose text has this SHA-256 (computed here), adding name and text if
 * new. ST_ERR_ARG when the name is not valid text or the text is missing. */
enum st_status store_protocol_ensure(struct store *s, const char *name, const char *text, int64_t *id,
                                     struct st_err *err);
/* The stored text of protocol_id in a new string (*text, free it); ST_ERR_NOT_FOUND when there is none
 * (*text NULL). */
enum st_status store_protocol_text(struct store *s, int64_t protocol_id, char **text, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Patients                                                                                         */

struct store_patient {
    int64_t id;                 /* out */
    char uuid[STORE_UUID_SIZE]; /* out */
    char name[201];             /* display name: any Unicode text, valid UTF-8, 1-200 bytes */
    char ref[201];              /* clinic reference, "" if none */
    char birth[11];             /* YYYY-MM-DD */
    char sex;                   /* 'F', 'M' or 'X' */
    char side_dominant;         /* 'L', 'R' or 0 (unknown) */
    double leg_length_m;        /* 0.4-1.4 or NAN */
    double lever_m;             /* default lever arm 0.1-1.5 or NAN */
    char notes[2001];           /* free text, "" if none (control characters allowed: \n, \t) */
    int64_t created, updated;   /* out: Unix seconds */
    double mass_kg;     /* add: the first mass (required, 20-300); get/list: the latest, NAN if none */
    char mass_date[11]; /* get/list: the date of that mass */
};

/* Validation of a patient's fields, one message per field that names it ("Birth date: 2031-02-30 is
 * not a real date (YYYY-MM-DD)"). Returns ST_OK or ST_ERR_ARG with the first bad field's message.
 * Checks mass only when check_mass. Exposed so commands and tests can check before writing. */
enum st_status store_patient_validate(const struct store_patient *p, bool check_mass, struct st_err *err);
/* The single-field checks used above (ST_OK or ST_ERR_ARG naming the field). */
/* Text: valid UTF-8 (no overlong forms, no surrogates), at most max_bytes, no control characters
 * (newline and tab allowed only when multiline); required: not empty. */
enum st_status store_check_text(const char *field, const char *text, bool required, size_t max_bytes,
                                bool multiline, struct st_err *err);
/* Date: exactly YYYY-MM-DD, a real calendar date from 1900 on, not after today unless allow_future. */
enum st_status store_check_date(const char *field, const char *date, bool allow_future, struct st_err *err);
/* Body mass 20-300 kg ("Body mass: 12 kg is outside 20-300 kg"). */
enum st_status store_check_mass(double kg, struct st_err *err);

/* Whether two display names are the same as a receptionist reads them: ASCII letters in either case,
 * spaces at the ends and runs of spaces not counting. `patient add` and the window's form use it to
 * catch a patient registered twice (same name and birth date). */
bool store_patient_same_name(const char *a, const char *b);

/* Adds a patient and their first body mass (measured today); fills p->id, p->uuid, created, updated
 * and mass_date. Audited ('create'). therapist_id 0: unknown. ST_ERR_ARG (from store_patient_validate)
 * names the first bad field; p->id is 0 after any failure. */
enum st_status store_patient_add(struct store *s, struct store_patient *p, int64_t therapist_id,
                                 struct st_err *err);
/* Loads patient id (with the latest mass) into p, the caller's. ST_ERR_NOT_FOUND names the id. */
enum st_status store_patient_get(struct store *s, int64_t id, struct store_patient *p, struct st_err *err);
/* Finds a patient by id given as text, a number or a UUID, into *id. ST_ERR_NOT_FOUND (the message
 * repeats at most 40 characters of the text) when there is no such patient. */
enum st_status store_patient_find(struct store *s, const char *id_or_uuid, int64_t *id, struct st_err *err);
/* All patients ordered by name, in a new array (*out, free with free()); *n its length. */
enum st_status store_patient_list(struct store *s, struct store_patient **out, size_t *n, struct st_err *err);
/* Replaces the editable fields of p->id with p's (validated; mass is not touched here) and writes
 * one audit row per changed field with its old and new value, in one transaction. */
enum st_status store_patient_update(struct store *s, const struct store_patient *p, int64_t therapist_id,
                                    const char *reason, struct st_err *err);
/*
 * Erases a patient (a data-subject erasure): deletes the patient row, their body masses, sessions,
 * repetitions and raw samples, and blanks the old/new values of every earlier audit row about them
 * (which held their personal data). What remains is one audit row 'delete' with the patient's UUID,
 * the therapist, the time and the number of sessions and reps removed: a proof of erasure without
 * the personal data. Devices, protocols and therapists stay. One transaction.
 * *n_sessions and *n_reps (may be NULL) get the counts removed.
 */
enum st_status store_patient_delete(struct store *s, int64_t id, int64_t therapist_id, const char *reason,
                                    int *n_sessions, int *n_reps, struct st_err *err);

/* Adds a body mass (20-300 kg) measured on date (YYYY-MM-DD, not in the future; NULL: today).
 * ST_ERR_ARG for a mass or date out of range, ST_ERR_NOT_FOUND when there is no such patient. */
enum st_status store_mass_add(struct store *s, int64_t patient_id, double kg, const char *date,
                              struct st_err *err);
/* The latest body mass (by date, then by entry) into *kg and date (may be NULL); ST_ERR_NOT_FOUND if
 * none. */
enum st_status store_mass_latest(struct store *s, int64_t patient_id, double *kg, char date[11],
                                 struct st_err *err);
struct store_mass {
    double kg;
    char date[11];
};
/* The mass history, oldest first, in a new array (free with free()). */
enum st_status store_mass_list(struct store *s, int64_t patient_id, struct store_mass **out, size_t *n,
                               struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Sessions and repetitions                                                                         */

enum store_session_status {
    STORE_SESSION_RUNNING = 0,
    STORE_SESSION_COMPLETE,
    STORE_SESSION_ABORTED,
    STORE_SESSION_INTERRUPTED, /* stopped without its end (a crash, a pulled plug): set by the station
                                * when it finds its own session still running on the next start */
};
const char *store_session_status_name(enum store_session_status st); /* "running", ... */

/*
 * The balance of a session at a glance, as bal_compute (protocols/balance.h) finds it from the session's
 * reps under the parameters it was judged by (store_session_bal_params): the ADD:ABD ratio per side and
 * the asymmetry per direction, with their flags. The store keeps it in the file (schema 8,
 * station/store/store_summary.c) and updates it in the same transaction as every change it depends on
 * (a rep added, decided or erased, a session's patient changed by a merge, a leg length edited, rows
 * pulled from the clinic server), so listing sessions never reads their reps.
 */
struct store_session_summary {
    int reps;                               /* reps stored, whatever their status */
    int counting;                           /* reps that count toward the balance */
    double ratio[ST_SIDE_COUNT];            /* bal_result.ratio: NAN not available */
    enum bal_flag ratio_flag[ST_SIDE_COUNT];
    bool ratio_corrected;
    double asym_pct[ST_DIR_COUNT];          /* bal_result.asym_pct */
    enum st_side weaker[ST_DIR_COUNT];
    enum bal_flag asym_flag[ST_DIR_COUNT];
};
/* The summary of a balance bal_compute made (pure; out is the caller's). */
void store_session_summary_of(const struct bal_result *bal, struct store_session_summary *out);

struct store_session {
    int64_t id;                 /* out */
    char uuid[STORE_UUID_SIZE]; /* out */
    int64_t patient_id;
    int64_t therapist_id;               /* 0: unknown */
    int64_t protocol_id;                /* 0: none recorded */
    char position[64];                  /* e.g. "supine 0 deg", from the protocol */
    char mode[32];                      /* "manual", "auto", "demo", ... */
    int64_t seed;                       /* the emulator's seed when simulated, else 0 */
    int64_t device_id[ST_MAX_CHANNELS]; /* the device on each channel, 0: none */
    double body_mass_kg;                /* the mass used for N/kg; NAN unknown */
    double lever_m;                     /* the default lever arm used; NAN unknown */
    int64_t started, ended;             /* Unix seconds; begin sets started (0: now); ended 0 while running */
    enum store_session_status status;
    double sample_rate_hz, jitter_ms; /* measured over the session; NAN unknown */
    int64_t drops, bad_lines;
    /* Filled by store_session_get / store_session_list (joins), ignored by begin: */
    char patient_uuid[STORE_UUID_SIZE];
    char patient_ref[201];
    char therapist[201];
    char protocol_name[128];
    char protocol_sha256[65];
    int n_reps;                            /* reps stored (summary.reps) */
    char patient_name[201];                /* the patient's display name */
    struct store_session_summary summary; /* the balance of its reps, as bal_compute finds it */
};

/* Starts a session (status running, recording this host's name and this process's id); fills
 * sess->id, uuid, started (when 0) and status. ST_ERR_ARG when it has no patient or names a patient,
 * therapist, protocol or device that is not in the file; sess->id is 0 after any failure. */
enum st_status store_session_begin(struct store *s, struct store_session *sess, struct st_err *err);
/*
 * Marks 'interrupted' every session still 'running' that this host started from a process that no
 * longer runs (a crash, a kill, a pulled plug): its ended time becomes its last rep's time (or its
 * start). Sessions of other hosts, and of live station processes here, are left alone. *n (may be
 * NULL) gets how many were closed. Call it when a station starts a session.
 */
enum st_status store_sessions_close_orphans(struct store *s, int *n, struct st_err *err);

/* One step of a session's flow as the engine walked it (a state change, a tare, an extra rep, a block
 * done, the device lost or back), at at_ms milliseconds from the session's start. kind and state are
 * short words ("state", "rest"); detail is free text without patient data. One transaction. */
enum st_status store_session_event_add(struct store *s, int64_t session_id, int64_t at_ms, const char *kind,
                                       const char *state, const char *detail, struct st_err *err);
struct store_session_event {
    int64_t at_ms;
    char kind[24];
    char state[24];
    char detail[200];
};
/* The events of a session in order, in a new array (free with free()); *n their count (0 is fine). */
enum st_status store_session_events(struct store *s, int64_t session_id, struct store_session_event **out,
                                    size_t *n, struct st_err *err);

/* Ends it with status and the acquisition figures (NAN / -1 where unknown); ended becomes now unless
 * the status is running. ST_ERR_NOT_FOUND when there is no such session, ST_ERR_ARG for an unknown
 * status. */
enum st_status store_session_end(struct store *s, int64_t session_id, enum store_session_status status,
                                 double sample_rate_hz, double jitter_ms, int64_t drops, int64_t bad_lines,
                                 struct st_err *err);
/* Loads session_id into sess (the caller's), with the joined fields (patient UUID, reference and
 * name, therapist, protocol name and hash, rep count, the balance summary) and the device of each
 * channel. ST_ERR_NOT_FOUND names the id. */
enum st_status store_session_get(struct store *s, int64_t session_id, struct store_session *sess,
                                 struct st_err *err);
/* Sessions, newest first, filled as by store_session_get; patient_id 0 lists all. New array in *out
 * (free with free()), *n its length (0 is fine). */
enum st_status store_session_list(struct store *s, int64_t patient_id, struct store_session **out, size_t *n,
                                  struct st_err *err);

enum store_rep_status {
    STORE_REP_ACCEPTED = 0,
    STORE_REP_PENDING, /* flagged, waiting for the therapist */
    STORE_REP_REJECTED,
    STORE_REP_INTERRUPTED, /* the device or the session stopped during it */
};
const char *store_rep_status_name(enum store_rep_status st); /* "accepted", ...; "?" out of range */
/* The status named text into *out; false (and *out untouched) for an unknown name or NULL. */
bool store_rep_status_parse(const char *text, enum store_rep_status *out);

struct store_rep {
    int64_t id;                 /* out (0 while pending in memory) */
    char uuid[STORE_UUID_SIZE]; /* made by store_rep_add when empty */
    int64_t session_id;         /* out on load */
    int sequence;               /* 1, 2, ... in the session (unique per session) */
    int block_index;            /* the protocol block */
    int index_in_block;         /* 1, 2, ... within the block */
    enum st_dir dir;
    enum st_side side;
    bool familiarisation;
    enum store_rep_status status;
    bool counts;         /* used for best/mean (bal_rep.counts) */
    struct met_result m; /* every metric (NAN = null) and the quality flags */
    double lever_m;      /* the lever arm used for torque; NAN unknown */
    double body_mass_kg; /* the mass used for N/kg; NAN unknown */
    double tare_n;       /* the tare offset subtracted; NAN unknown */
    int pain;            /* 0-10; -1 not entered */
    char note[512];
    char feedback[16];   /* what the patient's screen showed: "big_force", "no_numbers", "none" (no
                          * patient screen); "" not recorded (older stations) */
    int64_t created; /* Unix seconds; 0: now */
    /* Raw samples (filled on load): */
    size_t n_samples;
    double samples_rate_hz; /* the rate of the stored samples; NAN unknown */
    int64_t samples_drops;  /* samples lost in the ring or on the link during this rep */
};

/* A repetition with everything at their defaults: statuses accepted, pain -1, metrics NAN, uuid "". */
void store_rep_init(struct store_rep *r);

/*
 * Saves one repetition of session_id: its metrics and its n raw samples (t_s[i], f_n[i]; the caller
 * keeps the arrays) in ONE transaction, durable before it returns ST_OK; *rep_id (may be NULL) gets
 * its id. The rep keeps rep->uuid when the caller made one (store_uuid_new), else gets a new one
 * (read it back with store_rep_get). rep->samples_rate_hz and rep->samples_drops are stored with the
 * samples; rep->id, session_id and n_samples are ignored.
 *
 * On a full disk or an I/O error nothing of the rep is left in the file, the rep joins the pending
 * queue (*rep_id = 0) and the call returns ST_ERR_DISK_FULL / ST_ERR_IO with a message like "The disk
 * is full: repetition 3 is kept in memory; free some space on the disk holding FILE ...". The other
 * database failures (ST_ERR_DB_LOCKED, ST_ERR_DB_READONLY, ST_ERR_DB_CORRUPT, ST_ERR_NOMEM, ST_ERR_DB)
 * keep it pending too. Only ST_ERR_ARG (an invalid rep, or a session that does not exist) does not:
 * that is a bug of the caller, and a rep that can never be written must not block the queue.
 * So after any failure, store_pending_count() tells whether the rep is safe in memory.
 */
enum st_status store_rep_add(struct store *s, int64_t session_id, const struct store_rep *rep,
                             const double *t_s, const double *f_n, size_t n, int64_t *rep_id,
                             struct st_err *err);

/* Reps waiting in memory (not yet in the file); 0 for a NULL store. */
size_t store_pending_count(const struct store *s);
/* Writes the pending reps in order, each in its own transaction; stops at the first failure (they
 * stay pending; the message says how many are left). ST_OK when the queue is empty. */
enum st_status store_flush_pending(struct store *s, struct st_err *err);
/* The i-th pending rep (0: the oldest), for station/export's emergency file: pointers into the
 * store's queue, valid until the next store call. false when i >= store_pending_count(s). */
bool store_pending_get(const struct store *s, size_t i, int64_t *session_id, const struct store_rep **rep,
                       const double **t_s, const double **f_n, size_t *n);

/*
 * Sets a rep's status and counts (the therapist accepts a flagged rep, or rejects one) and writes an
 * audit row (action accept/reject/edit, old and new status) in the same transaction. ST_ERR_NOT_FOUND
 * when there is no such rep, ST_ERR_ARG for an unknown status or a reason that is not valid text.
 */
enum st_status store_rep_set_status(struct store *s, int64_t rep_id, enum store_rep_status status,
                                    bool counts, int64_t therapist_id, const char *reason,
                                    struct st_err *err);
/*
 * The therapist's decision on the rep with this UUID (status and counts, as store_rep_set_status),
 * wherever it is: in the file, or still waiting in the pending queue (a full disk, a lock held too
 * long). A waiting rep takes the decision at once and is written with it, and with its audit row, when
 * the queue is written: what is stored always equals what the screen showed. ST_ERR_NOT_FOUND when
 * no rep has this UUID; otherwise as store_rep_set_status.
 */
enum st_status store_rep_decide(struct store *s, const char *uuid, enum store_rep_status status, bool counts,
                                int64_t therapist_id, const char *reason, struct st_err *err);
/*
 * The patient's pain (0-10; -1: not entered) and the therapist's note ("" none) on the rep with this
 * UUID, as entered in the window during the session, wherever the rep is: in the file, or still
 * waiting in the pending queue (it takes them at once and is written with them). Each field that
 * changes gets an audit row 'edit' (table repetitions, field pain or note, old and new value; an
 * empty value for none) in the same transaction; nothing changed, nothing written. ST_ERR_ARG for a
 * pain off the 0-10 scale or a note that is not valid text (the message says which), ST_ERR_NOT_FOUND
 * when no rep has this UUID.
 */
enum st_status store_rep_annotate(struct store *s, const char *uuid, int pain, const char *note,
                                  int64_t therapist_id, struct st_err *err);
/* Loads one rep into rep, the caller's (no samples; n_samples, samples_rate_hz and samples_drops
 * tell what is stored). ST_ERR_NOT_FOUND names the id. */
enum st_status store_rep_get(struct store *s, int64_t rep_id, struct store_rep *rep, struct st_err *err);
/* The reps of a session by sequence, as by store_rep_get, in a new array (free with free()); *n its
 * length (0 is fine, also for a session that does not exist). */
enum st_status store_rep_list(struct store *s, int64_t session_id, struct store_rep **out, size_t *n,
                              struct st_err *err);
/* The raw samples of a rep in two new arrays (free both with free()); *n their length. ST_ERR_NOT_FOUND
 * when the rep has none, ST_ERR_DB_CORRUPT when the stored size or encoding does not match. */
enum st_status store_rep_samples(struct store *s, int64_t rep_id, double **t_s, double **f_n, size_t *n,
                                 struct st_err *err);
/* The samples BLOB codec (16 bytes per sample, see the top of this file): blob holds 16 * n bytes,
 * the arrays n each, all the caller's. */
void store_samples_pack(const double *t_s, const double *f_n, size_t n, unsigned char *blob);
void store_samples_unpack(const unsigned char *blob, size_t n, double *t_s, double *f_n);

/* The reps of a session turned into the bal_rep array balance wants (direction, side, peak, lever,
 * counts). familiarisation reps never count. out must hold n entries. */
void store_reps_to_balance(const struct store_rep *reps, size_t n, struct bal_rep *out);

/*
 * The balance parameters a session was judged by: its protocol's flag bands, CV limit and gravity
 * correction (read from the protocol text stored with the session), the session's body mass and the
 * patient's leg length. Falls back to CLINICAL.md's defaults when the session has no protocol text.
 */
enum st_status store_session_bal_params(struct store *s, const struct store_session *sess,
                                        struct bal_params *out, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* History                                                                                          */

struct store_trend_row {
    int64_t session_id;
    int64_t started;
    enum store_session_status status;
    char protocol_sha256[65];
    int64_t device_id[ST_MAX_CHANNELS];
    char devices[160];     /* "chronojump 1234; ..." - family and serial per channel */
    bool device_changed;   /* the device set differs from the previous row's */
    bool protocol_changed; /* same protocol name but another text (hash) than the previous row */
    double body_mass_kg;
    struct bal_result bal; /* best ADD/ABD per side, ratio, asymmetry (bal_compute on its reps) */
};

/*
 * The trend of one patient under one protocol name (every text version of it), oldest session first:
 * per session the balance of its counting reps. Sessions still running are left out. New array in
 * *out (free with free()); *n rows (0 is fine).
 */
enum st_status store_trend(struct store *s, int64_t patient_id, const char *protocol_name,
                           struct store_trend_row **out, size_t *n, struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* The therapist's notes on a session (station/store/store_note.c)                                 */

#define STORE_NOTE_MAX 4000 /* bytes of one note */
struct store_note {
    int64_t id;
    char uuid[STORE_UUID_SIZE];
    int64_t created;     /* Unix seconds */
    char therapist[201]; /* "" unknown */
    char text[STORE_NOTE_MAX + 1];
};
/* Adds a note (valid UTF-8, 1-STORE_NOTE_MAX bytes, newlines and tabs allowed) to session_id, with an
 * audit row 'create' (table session_notes, the session's UUID, field note, the text as new value) in
 * the same transaction. ST_ERR_ARG names a bad text; ST_ERR_NOT_FOUND an unknown session. *note_id
 * (may be NULL) gets the new id. therapist_id 0: unknown. */
enum st_status store_note_add(struct store *s, int64_t session_id, int64_t therapist_id, const char *text,
                              int64_t *note_id, struct st_err *err);
/* The notes of a session, oldest first, in a new array (free with free()); *n their count (0 is fine). */
enum st_status store_note_list(struct store *s, int64_t session_id, struct store_note **out, size_t *n,
                               struct st_err *err);

/* ------------------------------------------------------------------------------------------------ */
/* Audit                                                                                            */

struct store_audit {
    int64_t id;
    int64_t at; /* Unix seconds */
    char therapist[201];
    char table[32];
    char row_uuid[STORE_UUID_SIZE];
    char action[16]; /* create, edit, accept, reject, delete */
    char field[32];
    char old_value[2048];
    char new_value[2048];
    char reason[256];
};
/* The audit rows about one row (by its UUID), oldest first; new array (free with free()). */
enum st_status store_audit_list(struct store *s, const char *row_uuid, struct store_audit **out, size_t *n,
                                struct st_err *err);

#endif
