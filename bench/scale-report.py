#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables (markdown, stdout) and plot data from scale-bench's "R" lines.

usage: scale-report.py OURS.txt MAINLINE.txt OUTDIR

OURS.txt is scale-bench's output on the series' kernel, MAINLINE.txt on
mainline 6.12 (may be missing: the mainline columns are then empty).
Writes OUTDIR/scale-timers.dat and OUTDIR/scale-sleepers.dat for the plot.
"""
import os
import sys


def parse(path):
    rows = []
    if not path or not os.path.exists(path):
        return rows
    for line in open(path, errors='replace'):
        line = line.strip()
        if not line.startswith('R '):
            continue
        f = line.split()
        d = {'kind': f[1]}
        for kv in f[2:]:
            if '=' in kv:
                k, v = kv.split('=', 1)
                d[k] = v
        rows.append(d)
    return rows


def pick(rows, kind, **match):
    for r in rows:
        if r['kind'] == kind and all(r.get(k) == str(v) for k, v in match.items()):
            return r
    return None


def num(r, key):
    return float(r[key]) if r and key in r else None


def fmt(v, digits=1):
    return '—' if v is None else f'{v:,.{digits}f}'


def ratio(a, b):
    return '—' if a is None or b is None or b == 0 else f'{a / b:.2f}'


def main():
    ours, mainline, out = parse(sys.argv[1]), parse(sys.argv[2]), sys.argv[3]
    fails = [r for r in ours + mainline if r['kind'] in ('fail', 'skip') or 'skip' in r]
    timers = sorted({int(r['timers']) for r in ours + mainline
                     if r['kind'] in ('nswrite', 'hostset') and 'timers' in r})

    print('### A change of a namespace\'s wall clock with N armed timers\n')
    print('N absolute CLOCK_REALTIME timers an hour ahead (half timerfds, half '
          'posix timers) in one namespace that owns its wall clock. The write '
          'of timens_offsets returns once the last timer has been moved. '
          'Medians of the rounds, µs under TCG; the last column compares the '
          'namespace\'s change with mainline\'s set of the host clock with the '
          'same number of host timers (goal: at most 2).\n')
    print('| N | timens_offsets write µs (median / max) | clock_settime() inside µs '
          '(median / max) | mainline: host clock_settime(), N host timers, µs | '
          'write / mainline host set |')
    print('|---|---|---|---|---|')
    dat = []
    for n in timers:
        w = pick(ours, 'nswrite', timers=n)
        s = pick(ours, 'nssettime', timers=n)
        m = pick(mainline, 'hostset', timers=n, namespaces=0)
        o = pick(ours, 'hostset', timers=n, namespaces=0)
        k = min(n, 10)
        on = pick(ours, 'hostset', timers=n, namespaces=k)
        print(f'| {n:,} | {fmt(num(w, "median_us"))} / {fmt(num(w, "max_us"))} | '
              f'{fmt(num(s, "median_us"))} / {fmt(num(s, "max_us"))} | '
              f'{fmt(num(m, "median_us"))} | {ratio(num(w, "median_us"), num(m, "median_us"))} |')
        dat.append((n, num(w, 'median_us'), num(s, 'median_us'), num(m, 'median_us'),
                    num(o, 'median_us'), num(on, 'median_us')))
    print()

    print('### A set of the host\'s clock with N armed timers\n')
    print('clock_settime(CLOCK_REALTIME) on the host, by one second alternately. '
          'Medians, µs under TCG.\n')
    print('| N | mainline, N host timers | series, N host timers | series / mainline | '
          'series, N timers in min(N, 10) owning namespaces | that / mainline |')
    print('|---|---|---|---|---|---|')
    for n, _, _, m, o, on in dat:
        print(f'| {n:,} | {fmt(m)} | {fmt(o)} | {ratio(o, m)} | {fmt(on)} | {ratio(on, m)} |')
    print()

    sl = [r for r in ours if r['kind'] == 'sleepers']
    print('### Sleepers restarted by one change\n')
    print('N threads in the namespace, half in clock_nanosleep(CLOCK_REALTIME, '
          'TIMER_ABSTIME), half in FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, an hour '
          'ahead; one write moves the clock two hours on. Time from before the '
          'write to the return of the last sleeper, µs under TCG.\n')
    print('| sleepers | last returned after, median µs | max µs | per sleeper, µs | '
          'wrong returns |')
    print('|---|---|---|---|---|')
    sdat = []
    for r in sl:
        n = int(r['threads'])
        med = num(r, 'median_us')
        print(f'| {n:,} | {fmt(med)} | {fmt(num(r, "max_us"))} | '
              f'{fmt(med / n if med else None, 2)} | {r.get("errors", "—")} |')
        sdat.append((n, med))
    print()

    hl = [r for r in ours if r['kind'] == 'hostlat']
    print('### A host task\'s wake-ups while a container changes its clock\n')
    print('A host task sleeps to a 1 ms grid of CLOCK_MONOTONIC (3,000 wake-ups); '
          'its lateness, µs under TCG (2 vCPUs). idle: the namespace holds N timers '
          'and does nothing; control: a task inside loops on getppid(); busy: a '
          'task inside loops on clock_settime(), moving the N timers each time. '
          'Goal: busy within noise of control.\n')
    print('| N | case | median µs | p99 µs | max µs | median / idle | median / control | '
          'p99 / control |')
    print('|---|---|---|---|---|---|---|---|')
    for n in sorted({r['timers'] for r in hl}, key=int):
        idle = pick(hl, 'hostlat', timers=n, case='idle')
        ctl = pick(hl, 'hostlat', timers=n, case='control')
        for case in ('idle', 'control', 'busy'):
            r = pick(hl, 'hostlat', timers=n, case=case)
            if not r:
                continue
            print(f'| {int(n):,} | {case} | {fmt(num(r, "median_us"))} | '
                  f'{fmt(num(r, "p99_us"))} | {fmt(num(r, "max_us"))} | '
                  f'{ratio(num(r, "median_us"), num(idle, "median_us"))} | '
                  f'{ratio(num(r, "median_us"), num(ctl, "median_us"))} | '
                  f'{ratio(num(r, "p99_us"), num(ctl, "p99_us"))} |')
    print()
    if fails:
        print('Parts that did not complete: ' +
              '; '.join(' '.join(f'{k}={v}' for k, v in r.items()) for r in fails) + '\n')

    with open(os.path.join(out, 'scale-timers.dat'), 'w') as f:
        f.write('# N nswrite nssettime mainline_hostset series_hostset series_hostset_ns\n')
        for row in dat:
            f.write(' '.join('NaN' if v is None else str(v) for v in row) + '\n')
    with open(os.path.join(out, 'scale-sleepers.dat'), 'w') as f:
        f.write('# sleepers last_returned_us\n')
        for row in sdat:
            f.write(' '.join('NaN' if v is None else str(v) for v in row) + '\n')


if __name__ == '__main__':
    main()
