#!/usr/bin/env python3
"""tests/stream.py - linkquic-replay on a live stream, as tcpdump's output
reaches it through a pipe, and stopped as tcpdump is stopped:

  - first-record: a capture fed through a pipe a few frames at a time: the
    first records are in the output file while the rest of the input has not
    been written yet (each record is flushed as its frame comes);
  - sigint, sigterm: the input stalls after some frames, then the signal: exit
    130 (143), every record whole and one per frame read, the summary of
    what was read, one line saying where it stopped; -f conn writes each
    connection read, ended "exit";
  - line-buffered: -l on a regular file writes each record with its own
    write(2) (counted in /proc/self/io), where without it the records go
    out in blocks.

    python3 tests/stream.py BIN

Exit 0 when every case passed, 1 otherwise, 2 on usage.
"""
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CAPTURE = os.path.join(TOP, "pcaps", "ngtcp2", "migration.pcap")  # 125 frames
FIRST = 5  # frames written before the input stalls
WAIT = 8.0  # seconds a record may take to come out

failed = 0
passed = 0


def report(name, why):
    global failed, passed
    if why:
        failed += 1
        print("FAIL %-16s %s" % (name, why))
    else:
        passed += 1
        print("ok   %s" % name)


def pcap_parts(path):
    """The global header and every record (header and bytes) of a pcap."""
    data = open(path, "rb").read()
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    head, off, recs = data[:24], 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return head, recs


def lines_in(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except OSError:
        return 0


def wait_lines(path, n, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if lines_in(path) >= n:
            return True
        time.sleep(0.02)
    return lines_in(path) >= n


def start(binary, args, tmp, name):
    out = open(os.path.join(tmp, name + ".out"), "wb")
    err = open(os.path.join(tmp, name + ".err"), "wb")
    p = subprocess.Popen([binary] + args + ["-"], stdin=subprocess.PIPE, stdout=out,
                         stderr=err)
    return p, out.name, err.name


def first_record(binary, tmp, head, recs):
    p, out, err = start(binary, ["-f", "jsonl"], tmp, "first")
    why = ""
    try:
        p.stdin.write(head + b"".join(recs[:FIRST]))
        p.stdin.flush()
        t0 = time.monotonic()
        if not wait_lines(out, FIRST, WAIT):
            why = ("%d of the %d records of the frames written came out in %.0f s, "
                   "the input still open" % (lines_in(out), FIRST, WAIT))
        else:
            took = time.monotonic() - t0
        p.stdin.write(b"".join(recs[FIRST:]))
        p.stdin.close()
        rc = p.wait(timeout=30)
        if not why and rc != 0:
            why = "exit %d at the end of the input" % rc
        elif not why and lines_in(out) != len(recs):
            why = "%d records for %d frames" % (lines_in(out), len(recs))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    report("first-record", why)
    if not why:
        print("     the first %d records came %.0f ms after their frames, before the "
              "other %d frames were written" % (FIRST, took * 1000, len(recs) - FIRST))


def stopped(binary, tmp, head, recs, sig, fmt):
    name = "%s-%s" % (signal.Signals(sig).name.lower(), fmt)
    want_rc = 128 + sig
    p, out, err = start(binary, ["-f", fmt], tmp, name)
    why = ""
    try:
        p.stdin.write(head + b"".join(recs[:FIRST]))
        p.stdin.flush()
        # jsonl: each frame's record; conn: nothing until a connection ends,
        # so give the frames time to be read
        if fmt == "jsonl":
            wait_lines(out, FIRST, WAIT)
        else:
            time.sleep(0.5)
        p.send_signal(sig)
        try:
            rc = p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rc = None
        text = open(out, "rb").read().decode("utf-8", "replace")
        errs = open(err, "rb").read().decode("utf-8", "replace")
        lines = text.splitlines()
        if rc is None:
            why = "still running 10 s after %s" % signal.Signals(sig).name
        elif rc < 0:
            why = "killed by the signal (no clean stop)"
        elif rc != want_rc:
            why = "exit %d, want %d" % (rc, want_rc)
        elif text and not text.endswith("\n"):
            why = "the output ends in a cut line: %r" % text[-80:]
        elif "%d frames:" % FIRST not in (errs if fmt != "table" else text):
            why = "no summary of the %d frames read: stderr %r" % (FIRST, errs[-300:])
        elif ("stopped by %s after frame %d" % (signal.Signals(sig).name, FIRST)) not in errs:
            why = "no line saying where it stopped: %r" % errs[-300:]
        elif fmt == "jsonl":
            try:
                frames = [json.loads(l)["frame"] for l in lines]
            except ValueError as e:
                frames = None
                why = "a record is not JSON (%s)" % e
            if frames is not None and frames != list(range(1, FIRST + 1)):
                why = "records of frames %s, want 1 to %d" % (frames, FIRST)
        elif fmt == "conn":
            recs_ = [json.loads(l) for l in lines]
            if len(recs_) != 1 or recs_[0]["ended"] != "exit" or \
                    recs_[0]["pkts_c2s"] + recs_[0]["pkts_s2c"] != FIRST:
                why = "want one record of %d packets ended 'exit': %s" % (FIRST, text[:300])
        elif fmt == "table":
            if not any(l.startswith("CONN") for l in lines):
                why = "no connection table: %r" % text[:300]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
    report(name, why)


def syscw():
    """write(2)-family calls of this process and of its reaped children."""
    for line in open("/proc/self/io"):
        if line.startswith("syscw:"):
            return int(line.split()[1])
    raise RuntimeError("/proc/self/io has no syscw")


def writes_of_run(binary, tmp, args):
    """How many write(2) calls a run makes, its exit status and its lines.

    The kernel adds a reaped child's I/O counts to its parent's
    (/proc/PID/io), so a forked counter that runs the tool and reaps it
    sees the tool's writes alone, without ptrace (strace is refused in
    some containers)."""
    out = os.path.join(tmp, "lb.out")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            before = syscw()
            with open(out, "wb") as f:
                rc = subprocess.call([binary] + args + [CAPTURE], stdout=f,
                                     stderr=subprocess.DEVNULL)
            os.write(w, b"%d %d" % (rc, syscw() - before))
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    answer = os.read(r, 64).split()
    os.close(r)
    os.waitpid(pid, 0)
    if len(answer) != 2:
        raise RuntimeError("the counting process gave no answer")
    return int(answer[0]), int(answer[1]), lines_in(out)


def line_buffered(binary, tmp):
    rc1, n1, lines = writes_of_run(binary, tmp, ["-l", "-f", "jsonl"])
    rc0, n0, _ = writes_of_run(binary, tmp, ["-f", "jsonl"])
    why = ""
    if rc1 or rc0:
        why = "exit %d with -l, %d without" % (rc1, rc0)
    elif lines < 100:
        why = "%d records, want the capture's 125" % lines
    elif n1 < lines:
        why = "-l: %d writes for %d records, want at least one a record" % (n1, lines)
    elif n0 >= lines // 2:
        why = "without -l: %d writes for %d records (not block-buffered?)" % (n0, lines)
    report("line-buffered", why)
    if not why:
        print("     -l: %d writes for %d records; without it %d" % (n1, lines, n0))


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s BIN\n" % argv[0])
        return 2
    binary = os.path.abspath(argv[1])
    os.environ["TZ"] = "UTC"
    head, recs = pcap_parts(CAPTURE)
    tmp = tempfile.mkdtemp(prefix="lq-stream.")
    try:
        first_record(binary, tmp, head, recs)
        for fmt in ("jsonl", "conn", "table"):
            stopped(binary, tmp, head, recs, signal.SIGINT, fmt)
        stopped(binary, tmp, head, recs, signal.SIGTERM, "jsonl")
        line_buffered(binary, tmp)
    finally:
        shutil.rmtree(tmp)
    print("stream: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
