/*
 * lsan.h - what LeakSanitizer is told is not a leak, for the sanitizer builds of the program and the
 * tests (each executable expands STATION_LSAN_SUPPRESSIONS once, in the file that holds its main).
 *
 * fontconfig keeps its configuration for the life of the process once Pango has loaded it for a PDF
 * report. The only way to free it is FcFini (with cairo_debug_reset_static_data for cairo's font
 * caches), and both are safe only when no thread still uses fontconfig or cairo: Pango 1.50 loads
 * fontconfig on a worker thread of its own, and a call while that thread ran made cairo abort the
 * process (exit 134) about once in twenty reports on a loaded machine. So the report no longer frees
 * those caches; it drops Pango's font map (report_fonts_release) and the memory fontconfig still holds
 * at exit is named here instead. Nothing of ours is suppressed.
 *
 * LeakSanitizer calls __lsan_default_suppressions() and __lsan_default_options() (no list of the
 * suppressions used on stderr: a command's stderr stays its own one-line message) when the executable
 * defines them; in a build without the sanitizer they are simply never called.
 */
#ifndef STATION_COMMON_LSAN_H
#define STATION_COMMON_LSAN_H

#define STATION_LSAN_SUPPRESSIONS                                                                            \
    const char *__lsan_default_suppressions(void);                                                           \
    const char *__lsan_default_suppressions(void)                                                            \
    {                                                                                                        \
        return "leak:libfontconfig.so\n";                                                                    \
    }                                                                                                        \
    const char *__lsan_default_options(void);                                                                \
    const char *__lsan_default_options(void)                                                                 \
    {                                                                                                        \
        return "print_suppressions=0"; /* stderr stays the program's own */                                 \
    }

#endif
