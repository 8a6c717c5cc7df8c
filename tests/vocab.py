#!/usr/bin/env python3
"""tests/vocab.py - the one vocabulary (parser/lq_vocab.h) against what is
written elsewhere: the README's tables and lists, the man pages' --guard-drop
classes, and the garbage classes that pcaps/craft.py and tests/flood.py make.

    python3 tests/vocab.py BIN

BIN is linkquic-replay; its --vocabulary prints the registry. Every
difference is one line naming the list, what the registry has and what the
other side has. Exit 0 when all agree, 1 otherwise, 2 on usage.
"""
import os
import re
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def registry(bin_path):
    out = subprocess.run([bin_path, "--vocabulary"], check=True, capture_output=True,
                         text=True).stdout
    reg = {}
    for line in out.splitlines():
        kind, name, props = line.split(None, 3)[:3]
        reg.setdefault(kind, []).append((name, props))
    return reg


def names(reg, kind, prop=None):
    return {n for n, p in reg.get(kind, []) if prop is None or prop in p.split(",")}


def section(text, start, stop=r"^\s*$"):
    """The lines from the one starting with `start` up to the first matching
    `stop` after it (by default a blank line)."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(start):
            out = [line]
            for more in lines[i + 1:]:
                if re.match(stop, more):
                    break
                out.append(more)
            return "\n".join(out)
    return None


def ticked(s):
    return set(re.findall(r"`([A-Za-z0-9][^`\s]*)`", s or ""))


def table_first_column(s):
    got = set()
    for line in (s or "").splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            got |= ticked(line.split("|")[1])
    return got


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s BIN\n" % argv[0])
        return 2
    reg = registry(argv[1])
    readme = open(os.path.join(TOP, "README.md"), encoding="utf-8").read()
    fails = 0

    def same(what, want, got):
        nonlocal fails
        missing, extra = sorted(want - got), sorted(got - want)
        if missing or extra:
            fails += 1
            print("vocab: %s: the registry has %s that it lacks; it has %s that the registry "
                  "lacks" % (what, missing or "nothing", extra or "nothing"))

    # README: the record fields, verdicts, reasons, events, flags, maps
    fields = section(readme, "| field | meaning |")
    same("README record fields", names(reg, "field"), table_first_column(fields))
    flags_row = [l for l in (fields or "").splitlines() if l.startswith("| `flags`")]
    same("README flags (the flags row)", names(reg, "flag"),
         ticked(flags_row[0].split("|", 2)[2]) if flags_row else set())
    same("README verdicts", names(reg, "verdict"),
         table_first_column(section(readme, "| verdict | meaning |")))
    same("README reasons", names(reg, "reason"), ticked(section(readme, "Reasons:")))
    same("README events", names(reg, "event"), ticked(section(readme, "Events:")))
    same("README maps", names(reg, "map"), table_first_column(section(readme, "| map | key |")))

    # README: the per-connection records (-f conn)
    same("README per-connection record fields", names(reg, "conn_field"),
         table_first_column(section(readme, "| name | meaning |")))
    same("README path fields", names(reg, "conn_path_field"),
         table_first_column(section(readme, "| path field | meaning |")))
    values = {"tp", "0x0039", "0xffa5", "null", "true", "false"}
    same("README transport parameters", names(reg, "conn_tp"),
         ticked(section(readme, "Transport parameters (`tp`)")) - values)
    conn_rows = (section(readme, "| name | meaning |") or "").splitlines()
    row = lambda first: next((l for l in conn_rows if l.startswith(first)), "")
    same("README ended values", names(reg, "conn_end"),
         ticked(row("| `ended`").split("|", 2)[-1]) - {"null"})
    same("README hello statuses", names(reg, "conn_hello"),
         ticked(row("| `client_hello`").split("|", 2)[-1]))

    # the captures and the flood make every garbage class
    garbage = names(reg, "reason", "garbage")
    sys.path[:0] = [os.path.join(TOP, "pcaps"), os.path.join(TOP, "tests")]
    import craft  # noqa: E402
    import flood  # noqa: E402
    same("pcaps/craft.py garbage reasons (Capture.REASONS)", garbage,
         set(craft.Capture.REASONS.values()))
    same("tests/flood.py garbage makers (MAKERS)", garbage, set(flood.MAKERS))

    # the man pages: the classes --guard-drop takes
    for page in ("man/linkquic-replay.1", "man/linkquic-live.8"):
        text = open(os.path.join(TOP, page), encoding="utf-8").read()
        m = re.search(r"or any of ([a-z_,\s]+)\.", text[text.find("guard-drop Ns"):])
        same("%s --guard-drop classes" % page, names(reg, "reason", "drop"),
             set(re.findall(r"[a-z_]+", m.group(1))) if m else set())

    if not fails:
        print("vocab: README, craft.py, flood.py and the man pages list exactly the "
              "registry's %d words" %
              sum(len(v) for v in reg.values()))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
