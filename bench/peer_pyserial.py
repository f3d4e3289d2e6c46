#!/usr/bin/python3
# peer_pyserial.py - the fixed reference the station is measured against (bench/bench_peer.c): what a
# lab writes by hand today to record a Chronojump force sensor. pyserial (Debian's python3-serial)
# opens the port, waits out the Arduino's reset, sends start_capture:, reads "<t_us>;<force>" lines,
# parses them and appends them to a CSV file; after SECONDS it sends end_capture: and reads what is
# still on the line until the board says "Capture ended".
#
# Keep it as it is: it is the peer, not code to improve. The only additions to the hand-written script
# are the counts it prints at the end (one line of key=value for the bench): samples parsed, lines it
# could not parse, and the first and last device times, from which the bench counts the samples the
# device sent that never arrived.
#
# usage: peer_pyserial.py PORT OUT.csv SECONDS [BAUD]
import sys
import time

import serial

port, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
baud = int(sys.argv[4]) if len(sys.argv) > 4 else 115200

ser = serial.Serial(port, baud, timeout=1)
time.sleep(2.5)  # the board resets when the port opens
ser.reset_input_buffer()
ser.write(b"start_capture:\n")

samples = bad = 0
first_us = last_us = None


def take(line, f):
    global samples, bad, first_us, last_us
    parts = line.strip().split(b";")
    if len(parts) != 2:
        bad += 1
        return
    try:
        t_us = int(parts[0])
        force = float(parts[1])
    except ValueError:
        bad += 1
        return
    f.write("%d,%.2f\n" % (t_us, force))
    samples += 1
    if first_us is None:
        first_us = t_us
    last_us = t_us


with open(out, "a") as f:
    f.write("t_us,force_n\n")
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        line = ser.readline()
        if line.startswith(b"Starting capture") or not line:
            continue
        take(line, f)
    ser.write(b"end_capture:\n")
    stop = time.monotonic() + 2
    while time.monotonic() < stop:
        line = ser.readline()
        if not line or line.startswith(b"Capture ended"):
            break
        take(line, f)
ser.close()
print("samples=%d bad=%d first_us=%d last_us=%d" % (samples, bad, first_us or 0, last_us or 0))
