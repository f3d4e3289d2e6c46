/*
 * commands.h - the subcommands of `station` (DESIGN.md "The command line").
 *
 * Each takes argv starting at the subcommand's own name and returns the exit status: 0 success,
 * 1 failure (one actionable line on stderr), 2 usage error. station/cli/main.c dispatches to them.
 * One declaration per line, one file per command group (station/cmd_<group>.c).
 */
#ifndef STATION_STATION_COMMANDS_H
#define STATION_STATION_COMMANDS_H

int cmd_analyze(int argc, char **argv);   /* station/cli/cmd_analyze.c */
int cmd_patient(int argc, char **argv);   /* station/cli/cmd_patient.c: add, list, show, edit, delete */
int cmd_sessions(int argc, char **argv);  /* station/cli/cmd_history.c */
int cmd_show(int argc, char **argv);      /* station/cli/cmd_history.c */
int cmd_trend(int argc, char **argv);     /* station/cli/cmd_history.c */
int cmd_export(int argc, char **argv);    /* station/cli/cmd_history.c */
int cmd_protocols(int argc, char **argv); /* station/cli/cmd_protocols.c */
int cmd_devices(int argc, char **argv);   /* station/cli/cmd_devices.c */
int cmd_sim(int argc, char **argv);       /* station/cli/cmd_sim.c */
int cmd_run(int argc, char **argv);       /* station/cli/cmd_run.c */
int cmd_demo(int argc, char **argv);      /* station/cli/cmd_run.c */
int cmd_calibrate(int argc, char **argv); /* station/cli/cmd_devices.c */
int cmd_report(int argc, char **argv);    /* station/cli/cmd_report.c */
int cmd_note(int argc, char **argv);      /* station/cli/cmd_note.c */
int cmd_export_fhir(int argc, char **argv); /* station/cli/cmd_fhir.c: `export --format fhir` */
int cmd_gui(int argc, char **argv);       /* station/cli/cmd_gui.c: the window (home) */
int cmd_sync(int argc, char **argv);      /* station/cli/cmd_sync.c: the clinic server sync */
int cmd_server(int argc, char **argv);    /* station/cli/cmd_server.c: server init (IT) */

#endif
