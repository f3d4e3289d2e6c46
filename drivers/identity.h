/*
 * identity.h - who a device is, not where it is plugged. Calibrations and the "same device came back"
 * check key on this: the serial the instrument's own protocol gives (a Loadstar's ID), else the USB
 * adapter's serial number (libserialport's sp_get_port_usb_serial), else its /dev/serial/by-id name
 * (udev makes it from the vendor, model and serial), and only as the last resort the port's path,
 * flagged as such: a gauge known by its port alone keeps its calibration only while it stays on that
 * port, and another gauge plugged into that port cannot be told from it.
 *
 * drv_identity_resolve is the pure choice (tests feed it every case); drv_identity_of_port is the I/O
 * half that reads the USB serial and the by-id name of a real port (a pty or tcp: has neither).
 */
#ifndef STATION_DRIVERS_IDENTITY_H
#define STATION_DRIVERS_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

enum drv_id_source {
    DRV_ID_SERIAL,     /* the instrument's protocol gave its serial */
    DRV_ID_USB_SERIAL, /* the USB adapter's serial number */
    DRV_ID_BY_ID,      /* the /dev/serial/by-id name */
    DRV_ID_PORT,       /* only the port's path: the last resort */
};

struct drv_identity {
    enum drv_id_source source;
    /* The key stored as the device's serial (63 characters at most, as the store keeps it): the
     * protocol's serial as it is (so devices saved before keep their rows), else "usb:<serial>",
     * "by-id:<name>" or "port:<path>"; a longer name keeps its end, where a by-id name has the
     * serial and a path its device. */
    char key[64];
};

/* The first of these that is set (not NULL, not blank): protocol_serial, usb_serial, by_id (a name in
 * /dev/serial/by-id, with or without its folder), port (NULL is taken as ""). Pure. */
void drv_identity_resolve(const char *protocol_serial, const char *usb_serial, const char *by_id,
                          const char *port, struct drv_identity *out);

/* "its serial number", "its USB serial number", "its /dev/serial/by-id name", "its port only". */
const char *drv_id_source_words(enum drv_id_source s);

/* The USB serial number and the /dev/serial/by-id name of port, each "" when it has none (a pty, a
 * tcp: server, a native UART, a port that is gone). Reads /sys through libserialport and the by-id
 * folder; never fails. */
void drv_identity_of_port(const char *port, char *usb_serial, size_t usb_size, char *by_id,
                          size_t by_id_size);

#endif
