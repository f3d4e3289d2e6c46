/*
 * emu.h - emulated instruments on pseudo-terminals (libsigrok's demo device, but speaking each real
 * protocol byte for byte).
 *
 * An emulator owns a pty master and a thread. The station opens the slave side like any port (the
 * link's fd backend) and cannot tell it from the instrument: commands, replies, streaming, the reset
 * of an Arduino board when the port is opened, a wrong baud rate (the emulator reads the line settings
 * the host chose and answers garbage when they differ from its own), and faults a test injects: the
 * cable pulled and plugged back, random bytes, a stall.
 *
 * What force the instrument feels comes from a simulated patient (struct emu_patient): scripted
 * pushes, pushes cued by the caller (the in-process demo cues the patient when the station says
 * "Push!"), or a recorded trace played back.
 *
 * Each family's device behaviour is a struct emu_family (drivers/emu_<family>.c); this file is the
 * shared machinery. Emulators never share state with the station except through the pty.
 */
#ifndef STATION_DRIVERS_EMU_H
#define STATION_DRIVERS_EMU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

enum emu_patient_kind {
    EMU_PATIENT_SCRIPT, /* reps pushes on a fixed rhythm after start_delay_s */
    EMU_PATIENT_CUED,   /* at rest until emu_cue() starts one push */
    EMU_PATIENT_TRACE,  /* plays trace_t/trace_f back, then rests */
};

#define EMU_MAX_PEAKS 32

struct emu_patient {
    enum emu_patient_kind kind;
    int reps;                 /* SCRIPT: pushes to make (0 = forever) */
    double peaks_n[EMU_MAX_PEAKS]; /* the plateau force of push k is peaks_n[k % n_peaks] */
    int n_peaks;
    double start_delay_s;     /* SCRIPT: rest before the first push */
    double ramp_s, hold_s, release_s, rest_s; /* the shape of one push and the rest after it */
    double baseline_n;        /* force at rest (the pad's preload before tare) */
    double noise_n;           /* SD of the sensor noise added to every reading; when > 0, a push also
                               * carries a physiological tremor of about 1.5 % of its force */
    unsigned seed;            /* noise seed: the same seed gives the same noise */
    const double *trace_t;    /* TRACE: seconds from the start (caller-owned, kept alive) */
    const double *trace_f;    /* TRACE: newtons */
    size_t trace_n;
};

/* A patient who makes reps pushes of peak_n (2.5 s each: 0.4 s ramp, 1.6 s hold, 0.5 s release)
 * with 2 s of rest, starting after 1 s, with 0.3 N of noise. */
struct emu_patient emu_patient_default(double peak_n, int reps);

/* The force the patient puts on the gauge at t_s seconds (pure; cue_s < 0 when no cue is pending). */
double emu_patient_force(const struct emu_patient *p, double t_s, double cue_s, double cue_peak_n);

struct emu_opts {
    const char *family;    /* "chronojump", "mark10", "loadstar", "imada" */
    const char *link_path; /* if set: a stable symlink to the current pty, kept across unplug/replug */
    int baud;              /* the device's own baud (0: the family's default) */
    double rate_hz;        /* streaming rate (0: the family's default) */
    double boot_s;         /* Arduino-class reset silence after each open (<0: the family's default) */
    double capacity_n;     /* full scale (0: the family's default) */
    const char *unit;      /* the device's display unit ("N", "lbF", ...; NULL: the family's default) */
    uint32_t clock_start_us; /* device clock at the first sample (chronojump: to test its 32-bit wrap) */
    bool refuse_zero;      /* the zero command is refused (imada answers E; other families ignore it) */
    struct emu_patient patient;
};

/* Options for family with the default patient. */
struct emu_opts emu_opts_default(const char *family);

struct emu;

/* Creates the pty (and the symlink), starts the emulator thread. The caller stops it with emu_stop. */
enum st_status emu_start(const struct emu_opts *opts, struct emu **out, struct st_err *err);

/* Stops the thread, closes the pty, removes the symlink, frees e. NULL is fine. */
void emu_stop(struct emu *e);

/* The path the station opens: the symlink if one was asked for, else /dev/pts/N. */
const char *emu_port(const struct emu *e);

/* Cues the patient to start a push of peak_n now (EMU_PATIENT_CUED). Thread safe. */
void emu_cue(struct emu *e, double peak_n);

/* Faults (thread safe): */
void emu_unplug(struct emu *e);                        /* close the pty: the cable is pulled */
enum st_status emu_replug(struct emu *e, struct st_err *err); /* a new pty behind the same symlink */
void emu_stall(struct emu *e, double seconds);         /* says nothing and hears nothing for a while */
void emu_inject_garbage(struct emu *e, size_t nbytes); /* sends nbytes random bytes now */
/* sends these bytes (at most 256, copied) now, between two of the device's own lines */
void emu_inject_bytes(struct emu *e, const void *bytes, size_t n);
void emu_set_baud(struct emu *e, int baud);            /* the device's own rate changes */

struct emu_stats {
    uint64_t samples_sent;  /* readings written */
    uint64_t lines_in;      /* command lines received */
    uint64_t opens;         /* times the host opened the port (detected after the first) */
    bool streaming;
    bool baud_mismatch;     /* the host's rate differs from the device's */
    double max_force_n;     /* the largest force sent (newtons, before unit conversion) */
};
void emu_get_stats(struct emu *e, struct emu_stats *out);

/* ---- for family implementations (drivers/emu_<family>.c) ---------------------------------- */

struct emu_dev; /* the machinery's view of one emulated device, passed to family callbacks */

struct emu_family {
    const char *name;
    int default_baud;
    double default_rate_hz;
    double default_boot_s;     /* silence after an open (Arduino reset), 0 for others */
    bool keeps_state_on_open;  /* opening the port does not reset the device (a gauge behind an RS-232
                                * or FTDI link keeps its unit, mode, zero and stream); false: an
                                * Arduino-class board, reset (reset() and the boot silence) on each open */
    bool keeps_state_on_replug; /* a replug does not power-cycle it (battery-powered gauges) */
    double default_capacity_n;
    const char *default_unit;
    size_t state_size;
    /* Power-on / reset: (re)initialise state. */
    void (*reset)(struct emu_dev *d, void *state);
    /* One command line from the host, without its terminator (line may be empty: a bare CR). */
    void (*on_line)(struct emu_dev *d, void *state, const char *line, size_t len);
    /* Time passed: send what is due. Returns the time (emu_now seconds) it next wants a call, or a
     * negative number for "only when a line arrives". */
    double (*on_tick)(struct emu_dev *d, void *state);
};

/* The family table (emu.c), NULL-terminated, and lookup by name. */
const struct emu_family *emu_family_find(const char *name);

/* Sends text to the host (through the fault layer: garbled on a baud mismatch, dropped while stalled
 * or unplugged). printf-style. */
void emu_printf(struct emu_dev *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emu_write(struct emu_dev *d, const void *buf, size_t n);

/* Seconds since the emulator started (its own clock). */
double emu_now(const struct emu_dev *d);
/* The force on the gauge at emulator time t_s (usually a sample's nominal time), in newtons: the
 * patient plus sensor noise, clipped at the full scale. Counts one sample sent. */
double emu_read_force(struct emu_dev *d, double t_s);
/* Settings the family may read. */
const struct emu_opts *emu_dev_opts(const struct emu_dev *d);
double emu_dev_rate_hz(const struct emu_dev *d);
double emu_dev_capacity_n(const struct emu_dev *d);
void emu_dev_set_streaming(struct emu_dev *d, bool on);
/* A deterministic random number in [0, 1) from the emulator's generator. */
double emu_random(struct emu_dev *d);

#endif
