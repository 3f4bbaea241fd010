#!/usr/bin/python3
"""prom-check FILE: validate a Prometheus text exposition file.

Structure (checked here, strictly): every sample's family has one # HELP and
one # TYPE line before its first sample, names and labels are well formed,
values are numbers, counters are whole and non-negative, histogram buckets
are cumulative and end with +Inf equal to _count. Then the file is fed to
prometheus_client's own parser (python3-prometheus-client) when installed.
Prints one problem per line; exit 0 if none.
"""
import re
import sys

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
SAMPLE = re.compile(r'^(' + NAME + r')(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? (\S+)$')
problems = []
text = open(sys.argv[1]).read()
if not text.endswith('\n'):
    problems.append('no newline at end of file')
helps, types, seen_samples = {}, {}, set()
buckets = {}
counts = {}
for n, line in enumerate(text.splitlines(), 1):
    if line.startswith('# HELP ') or line.startswith('# TYPE '):
        parts = line.split(' ', 3)
        if len(parts) < 4 or not re.fullmatch(NAME, parts[2]):
            problems.append(f'{n}: malformed: {line}')
            continue
        table = helps if parts[1] == 'HELP' else types
        if parts[2] in table:
            problems.append(f'{n}: second {parts[1]} for {parts[2]}')
        if parts[2] in seen_samples:
            problems.append(f'{n}: {parts[1]} after samples of {parts[2]}')
        if parts[1] == 'TYPE' and parts[3] not in ('counter', 'gauge', 'histogram',
                                                   'summary', 'untyped'):
            problems.append(f'{n}: unknown type {parts[3]}')
        table[parts[2]] = parts[3]
        continue
    if line.startswith('#') or line == '':
        continue
    m = SAMPLE.match(line)
    if not m:
        problems.append(f'{n}: malformed sample: {line}')
        continue
    name, labels, value = m.group(1), m.group(3) or '', m.group(4)
    family = re.sub(r'_(bucket|sum|count)$', '', name)
    if types.get(family) != 'histogram':
        family = name
    seen_samples.add(family)
    if family not in helps or family not in types:
        problems.append(f'{n}: {family} has no HELP/TYPE before its sample')
        continue
    try:
        v = float(value)
    except ValueError:
        problems.append(f'{n}: value is not a number: {value}')
        continue
    if types[family] == 'counter' and (v < 0 or v != int(v)):
        problems.append(f'{n}: counter not a whole non-negative number: {line}')
    if types[family] == 'histogram':
        if name.endswith('_bucket'):
            le = re.search(r'le="([^"]*)"', labels)
            buckets.setdefault(family, []).append((le.group(1) if le else None, v))
        elif name.endswith('_count'):
            counts[family] = v
for family, rows in buckets.items():
    values = [v for _, v in rows]
    if values != sorted(values):
        problems.append(f'{family}: buckets not cumulative')
    if rows[-1][0] != '+Inf':
        problems.append(f'{family}: last bucket is not +Inf')
    elif counts.get(family) != rows[-1][1]:
        problems.append(f'{family}: _count differs from the +Inf bucket')
try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    text_string_to_metric_families = None
if text_string_to_metric_families:
    try:
        for _ in text_string_to_metric_families(text):
            pass
    except Exception as e:  # the parser's own complaint
        problems.append(f'prometheus_client parser: {e}')
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
