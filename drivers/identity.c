/*
 * identity.c - who a device is: the pure choice between its protocol serial, USB serial, by-id name
 * and port, and the I/O that reads the two middle ones from the system. See identity.h.
 */
#include "drivers/identity.h"

#include <dirent.h>
#include <libserialport.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/link.h"

/* Set: not NULL and not only blanks (a device that answers "   " has no serial). */
static bool is_set(const char *s)
{
    if (!s)
        return false;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

/* prefix + value into key, the value's end kept when the whole is too long. */
static void put(struct drv_identity *out, const char *prefix, const char *value)
{
    size_t room = sizeof out->key - 1 - strlen(prefix), n = strlen(value);
    snprintf(out->key, sizeof out->key, "%s%s", prefix, n > room ? value + (n - room) : value);
}

void drv_identity_resolve(const char *protocol_serial, const char *usb_serial, const char *by_id,
                          const char *port, struct drv_identity *out)
{
    static const char by_id_dir[] = "/dev/serial/by-id/";
    if (is_set(protocol_serial)) {
        out->source = DRV_ID_SERIAL;
        put(out, "", protocol_serial);
    } else if (is_set(usb_serial)) {
        out->source = DRV_ID_USB_SERIAL;
        put(out, "usb:", usb_serial);
    } else if (is_set(by_id)) {
        out->source = DRV_ID_BY_ID;
        const char *name =
            strncmp(by_id, by_id_dir, sizeof by_id_dir - 1) == 0 ? by_id + sizeof by_id_dir - 1 : by_id;
        put(out, "by-id:", name);
    } else {
        out->source = DRV_ID_PORT;
        put(out, "port:", port ? port : "");
    }
}

const char *drv_id_source_words(enum drv_id_source s)
{
    switch (s) {
    case DRV_ID_SERIAL: return "its serial number";
    case DRV_ID_USB_SERIAL: return "its USB serial number";
    case DRV_ID_BY_ID: return "its /dev/serial/by-id name";
    case DRV_ID_PORT: return "its port only";
    }
    return "?";
}

void drv_identity_of_port(const char *port, char *usb_serial, size_t usb_size, char *by_id, size_t by_id_size)
{
    usb_serial[0] = by_id[0] = '\0';
    if (!port || link_kind_for(port) != LINK_SERIAL)
        return; /* a pty or a socket has neither */
    struct sp_port *p = NULL;
    if (sp_get_port_by_name(port, &p) == SP_OK) {
        const char *s = sp_get_port_transport(p) == SP_TRANSPORT_USB ? sp_get_port_usb_serial(p) : NULL;
        snprintf(usb_serial, usb_size, "%s", s ? s : "");
        sp_free_port(p);
    }
    /* The by-id link that resolves to the same device node as port. */
    char want[PATH_MAX], got[PATH_MAX], link[PATH_MAX];
    if (!realpath(port, want))
        return;
    DIR *d = opendir("/dev/serial/by-id");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(link, sizeof link, "/dev/serial/by-id/%s", e->d_name) >= sizeof link)
            continue;
        if (realpath(link, got) && strcmp(got, want) == 0) {
            snprintf(by_id, by_id_size, "%s", e->d_name);
            break;
        }
    }
    closedir(d);
}
