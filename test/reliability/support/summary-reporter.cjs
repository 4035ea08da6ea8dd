/**
 * Jest reporter of the reliability suite: joins jest's pass/fail results with the figures each
 * case recorded (support/results.ts writes JSON lines to .freezer-dr/reliability-run/), prints
 * the summary table and writes it as markdown to .freezer-dr/reliability-summary.md.
 */
'use strict';
const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join, relative } = require('node:path');

const CATEGORIES = [
  ['faults', 'Faults'],
  ['duplicates', 'Duplicates'],
  ['bad-input', 'Bad input'],
  ['secret-scan', 'Secret scan'],
];

const UNSAFE_KINDS = [
  ['unconfirmedEvacuations', 'evacuations of an unconfirmed host'],
  ['doubleEvacuations', 'double evacuations'],
  ['doubleFences', 'double fences'],
  ['gatedFences', 'fences a gate had blocked'],
  ['changesFromRejectedInput', 'changes from rejected input'],
];
const LOST_KINDS = [
  ['openIncidents', 'incidents left open'],
  ['instancesWithoutFinalRecord', 'instances without a final record'],
  ['wrongRecords', 'records Nova contradicts'],
];

const sum = (o) => Object.values(o || {}).reduce((a, b) => a + (Number(b) || 0), 0);

class ReliabilitySummaryReporter {
  constructor(globalConfig) {
    this.rootDir = globalConfig.rootDir;
    this.runDir = join(this.rootDir, '.freezer-dr', 'reliability-run');
    this.summaryPath = join(this.rootDir, '.freezer-dr', 'reliability-summary.md');
    this.started = Date.now();
  }

  onRunStart() {
    rmSync(this.runDir, { recursive: true, force: true });
    mkdirSync(this.runDir, { recursive: true });
    this.started = Date.now();
  }

  readRecords() {
    const records = [];
    let files = [];
    try {
      files = readdirSync(this.runDir).filter((f) => f.endsWith('.jsonl'));
    } catch {
      return records;
    }
    for (const f of files) {
      for (const line of readFileSync(join(this.runDir, f), 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          records.push(JSON.parse(line));
        } catch {
          // A line cut by a crashed worker: its case counts as failed through jest's own result.
        }
      }
    }
    return records;
  }

  onRunComplete(_contexts, results) {
    const records = this.readRecords();
    const fileCategory = new Map();
    const caseRecords = new Map();
    for (const r of records) {
      if (r.kind === 'file') fileCategory.set(r.file, r.category);
      if (r.kind === 'case') caseRecords.set(`${r.file}\0${r.name}`, r);
    }
    const rows = new Map(CATEGORIES.map(([key]) => [key, { cases: 0, passed: 0, unsafe: 0, lost: 0, leaks: 0 }]));
    const unsafeKinds = Object.fromEntries(UNSAFE_KINDS.map(([k]) => [k, 0]));
    const lostKinds = Object.fromEntries(LOST_KINDS.map(([k]) => [k, 0]));
    const failures = [];
    const scans = [];
    const unrecorded = [];

    for (const file of results.testResults) {
      const fallback = fileCategory.get(file.testFilePath) || 'faults';
      if (file.testExecError && file.testResults.length === 0) {
        rows.get(fallback).cases += 1;
        failures.push(
          `${relative(this.rootDir, file.testFilePath)}: ${String(file.testExecError.message).split('\n')[0]}`,
        );
        continue;
      }
      for (const t of file.testResults) {
        if (t.status === 'pending' || t.status === 'skipped' || t.status === 'todo' || t.status === 'disabled')
          continue;
        const rec = caseRecords.get(`${file.testFilePath}\0${t.fullName}`);
        const row = rows.get((rec && rec.category) || fallback) || rows.get('faults');
        row.cases += 1;
        if (t.status === 'passed') row.passed += 1;
        else failures.push(`${basename(file.testFilePath)} › ${t.fullName}`);
        if (!rec) {
          if (t.status === 'passed') unrecorded.push(`${basename(file.testFilePath)} › ${t.fullName}`);
          continue;
        }
        row.unsafe += sum(rec.unsafe);
        row.lost += sum(rec.lost);
        row.leaks += Number(rec.leaks) || 0;
        for (const [k] of UNSAFE_KINDS) unsafeKinds[k] += Number(rec.unsafe && rec.unsafe[k]) || 0;
        for (const [k] of LOST_KINDS) lostKinds[k] += Number(rec.lost && rec.lost[k]) || 0;
        if (rec.category === 'secret-scan' && rec.scan) scans.push(rec.scan);
      }
    }

    const total = { cases: 0, passed: 0, unsafe: 0, lost: 0, leaks: 0 };
    for (const r of rows.values()) for (const k of Object.keys(total)) total[k] += r[k];
    const header = ['', 'cases', 'passed', 'unsafe actions', 'records lost', 'leaks'];
    const body = CATEGORIES.map(([key, label]) => [
      label,
      ...['cases', 'passed', 'unsafe', 'lost', 'leaks'].map((k) => String(rows.get(key)[k])),
    ]);
    const totalRow = ['Total', ...['cases', 'passed', 'unsafe', 'lost', 'leaks'].map((k) => String(total[k]))];
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    const kinds = [...new Set(scans.flatMap((x) => x.kinds || []))].sort();
    const scanTotal = scans.reduce(
      (a, x) => ({ items: a.items + x.items, bytes: a.bytes + x.bytes, secrets: a.secrets + x.secrets }),
      { items: 0, bytes: 0, secrets: 0 },
    );
    const scanLine = scans.length
      ? `${scans.length} file(s): ${scanTotal.items} outputs (${(scanTotal.bytes / 1e6).toFixed(1)} MB of logs, CLI and child-process output, execution input/output, mails, incident records) searched for ${scanTotal.secrets} secret values — ${kinds.join(', ')}`
      : 'none ran';

    const widths = header.map((h, i) => Math.max(h.length, ...[...body, totalRow].map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    const text = [
      '',
      'Reliability summary',
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...body.map(line),
      widths.map((w) => '-'.repeat(w)).join('  '),
      line(totalRow),
      '',
      `unsafe actions: ${UNSAFE_KINDS.map(([k, l]) => `${l} ${unsafeKinds[k]}`).join(' · ')}`,
      `records lost:   ${LOST_KINDS.map(([k, l]) => `${l} ${lostKinds[k]}`).join(' · ')}`,
      `secret scans:   ${scanLine}`,
      ...(unrecorded.length ? [`cases without figures: ${unrecorded.join('; ')}`] : []),
      ...(failures.length ? ['FAILED:', ...failures.map((f) => `  ${f}`)] : []),
      `(${seconds} s)`,
      '',
    ].join('\n');
    process.stdout.write(text + '\n');

    const md = [
      '| | cases | passed | unsafe actions | records lost | leaks |',
      '|---|---:|---:|---:|---:|---:|',
      ...[...body, totalRow].map((r) => `| ${r[0] === 'Total' ? '**Total**' : r[0]} | ${r.slice(1).join(' | ')} |`),
      '',
      `Unsafe actions counted: ${UNSAFE_KINDS.map(([k, l]) => `${l} (${unsafeKinds[k]})`).join(', ')}.`,
      `Records lost counted: ${LOST_KINDS.map(([k, l]) => `${l} (${lostKinds[k]})`).join(', ')}.`,
      `Leaks: hits of a configured secret in everything the suite made freezer-dr produce. Secret scan: ${scanLine}.`,
      '',
      `_${new Date().toISOString().slice(0, 10)}, \`npm run test:reliability\`, ${seconds} s${failures.length ? `, ${failures.length} FAILED` : ''}._`,
      '',
    ].join('\n');
    try {
      mkdirSync(join(this.rootDir, '.freezer-dr'), { recursive: true });
      writeFileSync(this.summaryPath, md);
    } catch (err) {
      process.stderr.write(`could not write ${this.summaryPath}: ${err.message}\n`);
    }
  }
}

module.exports = ReliabilitySummaryReporter;
