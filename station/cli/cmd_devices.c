/*
 * cmd_devices.c - `station devices [--probe] [PORT...]`: the serial ports the system has (name, USB
 * VID:PID, description), and with --probe, what answers on each: family, model, firmware or id
 * string, unit, capacity. Ports named on the command line are probed too (ptys and tcp: serial servers
 * are never listed by the system, so emulators are named this way). Probes run in parallel, one
 * thread per port: an Arduino-class board needs seconds to boot after each open.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/driver.h"
#include "drivers/link.h"
#include "station/cli/cli.h"
#include "station/cli/commands.h"

struct probe_job {
    char port[256];
    char desc[256];
    char usb[16];
    int timeout_ms;
    pthread_t th;
    enum st_status status;
    struct st_err err;
    const struct drv_driver *drv;
    struct drv_ident id;
};

static void *probe_thread(void *arg)
{
    struct probe_job *j = arg;
    st_err_clear(&j->err);
    j->status = drv_probe_port(j->port, j->timeout_ms, &j->drv, &j->id, &j->err);
    return NULL;
}

int cmd_devices(int argc, char **argv)
{
    bool probe = false;
    int timeout_ms = 600;
    struct cli_opt opts[] = {
        {"--probe", CLI_FLAG, &probe, NULL, "ask each port for every known dynamometer family", false},
        {"--timeout-ms", CLI_INT, &timeout_ms, "MS", "how long each family may take to answer (default 600)", false},
    };
    struct cli_cmd cmd = {"station devices", "[--probe] [PORT...]",
                          "Lists the serial ports (name, USB VID:PID, description). With --probe, asks each port\n"
                          "which dynamometer is there. PORTs given are probed too: pseudo-terminals of emulators\n"
                          "(station sim) and tcp:HOST:PORT serial servers are never listed by the system.",
                          CLI_OPTS(opts), 0, 32};
    const char *pos[32];
    int npos = 0;
    int rc = cli_parse(&cmd, argc, argv, pos, &npos);
    if (rc >= 0)
        return rc;
    if (timeout_ms < 50 || timeout_ms > 30000)
        return cli_usage_error(&cmd, "--timeout-ms must be between 50 and 30000");

    struct link_port_info *ports = NULL;
    size_t n = 0;
    struct st_err err;
    st_err_clear(&err);
    if (link_list_ports(&ports, &n, &err) != ST_OK)
        return cli_fail("%s", st_err_msg(&err));
    size_t total = n + (size_t)npos;
    struct probe_job *jobs = calloc(total ? total : 1, sizeof *jobs);
    if (!jobs) {
        free(ports);
        return cli_fail("out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(jobs[i].port, sizeof jobs[i].port, "%s", ports[i].name);
        snprintf(jobs[i].desc, sizeof jobs[i].desc, "%s", ports[i].description);
        if (ports[i].usb_vid >= 0)
            snprintf(jobs[i].usb, sizeof jobs[i].usb, "%04x:%04x", ports[i].usb_vid & 0xffff,
                     ports[i].usb_pid & 0xffff);
        else
            snprintf(jobs[i].usb, sizeof jobs[i].usb, "-");
    }
    for (int i = 0; i < npos; i++) {
        struct probe_job *j = &jobs[n + (size_t)i];
        snprintf(j->port, sizeof j->port, "%s", pos[i]);
        snprintf(j->desc, sizeof j->desc, "%s",
                 link_kind_for(pos[i]) == LINK_TCP   ? "serial server"
                 : link_kind_for(pos[i]) == LINK_PTY ? "pseudo-terminal"
                                                     : "given on the command line");
        snprintf(j->usb, sizeof j->usb, "-");
    }
    free(ports);
    if (total == 0) {
        printf("No serial ports found. Plug the dynamometer in (USB) and run station devices again.\n");
        free(jobs);
        return 0;
    }
    if (!probe) {
        printf("%-28s %-10s %s\n", "PORT", "USB", "DESCRIPTION");
        for (size_t i = 0; i < total; i++)
            printf("%-28s %-10s %s\n", jobs[i].port, jobs[i].usb, jobs[i].desc);
        free(jobs);
        return 0;
    }
    for (size_t i = 0; i < total; i++) {
        jobs[i].timeout_ms = timeout_ms;
        if (pthread_create(&jobs[i].th, NULL, probe_thread, &jobs[i]) != 0) {
            jobs[i].status = ST_ERR_INTERNAL;
            jobs[i].th = 0;
        }
    }
    for (size_t i = 0; i < total; i++)
        if (jobs[i].th)
            pthread_join(jobs[i].th, NULL);
    int found = 0;
    for (size_t i = 0; i < total; i++) {
        struct probe_job *j = &jobs[i];
        if (j->status == ST_OK) {
            char cap[32] = "capacity unknown";
            if (isfinite(j->id.capacity_n))
                snprintf(cap, sizeof cap, "capacity %.0f N", j->id.capacity_n);
            printf("%s: %s, model %s, %s%s%s, unit %s, %s, %d baud\n", j->port, j->drv->name,
                   j->id.model[0] ? j->id.model : "unknown", j->id.firmware[0] ? j->id.firmware : "no id string",
                   j->id.serial[0] ? ", serial " : "", j->id.serial, drv_unit_name(j->id.unit), cap, j->id.baud);
            found++;
        } else {
            printf("%s: unknown: %s\n", j->port, st_err_msg(&j->err));
        }
    }
    free(jobs);
    return 0;
}
