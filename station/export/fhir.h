/*
 * fhir.h - sessions as an HL7 FHIR R4 Bundle (JSON, type "collection") for the clinic's record.
 *
 * One bundle holds, for the sessions given (all of one patient):
 *   - a Patient: id and identifier = the patient's UUID (urn:ietf:rfc:3986), the clinic reference as a
 *     second identifier, gender, and - unless deidentified - the name and the birth date;
 *   - a Device per dynamometer used: id = the device's UUID, serial number, manufacturer family, model;
 *   - per session, an Observation per direction and side with counting reps (code e.g.
 *     hip-adduction-left) whose components are the best force (N), best force per kg (N/kg), best
 *     torque (N.m), best torque per kg (N.m/kg), mean force (N) and CV (%) and the patient's feedback
 *     condition during those reps (feedback-condition: big_force, no_numbers or none; one component per
 *     condition among them, none when it was not recorded), and an Observation per side for the
 *     ADD:ABD ratio (unit 1) with its band as interpretation text.
 * Every Observation has status final, category exam, code from the station's own code system
 * FHIR_CODE_SYSTEM (documented in README.md), subject, effectiveDateTime (the session's start),
 * device, method (the protocol and position). Observation ids are derived from the session's UUID and
 * the code (a name-based UUID from SHA-256), so exporting the same session twice gives the same ids.
 * Numbers are the balance of `station show` / `station export --format json` (bal_compute), written
 * with the same JSON number format, so they are equal to the JSON export's.
 * A null (not available) value leaves its component out: FHIR has no null.
 */
#ifndef STATION_EXPORT_FHIR_H
#define STATION_EXPORT_FHIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/status.h"
#include "station/store/store.h"

#define FHIR_CODE_SYSTEM "http://station.local/fhir/CodeSystem/hip-balance"

/*
 * Writes the bundle of the n sessions (ids; all of the same patient) to f. deidentified leaves out
 * the name and the birth date. ST_ERR_NOT_FOUND names an unknown session; ST_ERR_ARG when the
 * sessions belong to different patients or n is 0; ST_ERR_IO when writing fails.
 */
enum st_status fhir_write_bundle(struct store *s, const int64_t *session_ids, size_t n, bool deidentified,
                                 FILE *f, struct st_err *err);

/* The name-based UUID (SHA-256 of "base/name", version 8 layout) into out. */
void fhir_uuid_derive(const char *base, const char *name, char out[STORE_UUID_SIZE]);

#endif
