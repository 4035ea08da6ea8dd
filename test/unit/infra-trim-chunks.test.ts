import { describe, expect, test } from '@jest/globals';
import { strToU8, unzipSync, zipSync } from 'fflate';
// @ts-expect-error -- a plain-JS osls plugin, loaded by osls itself; its behaviour is what is under test
import { trimZip } from '../../infra/plugins/trim-chunks.mjs';

const trim = trimZip as (bytes: Uint8Array, handler: string) => { bytes: Uint8Array; dropped: number };

function zip(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, strToU8(v)])));
}

describe('trim-chunks: a function zip keeps only what its handler can load', () => {
  const bundle = {
    'functions/notify.mjs':
      'import{a as b}from"./chunk-A.mjs";export*from"./chunk-E.mjs";const m=()=>import("./mailer-B.mjs");export const handler=1;',
    'functions/chunk-A.mjs': 'import"./chunk-D.mjs";export const a=1;',
    'functions/chunk-D.mjs': 'export const d=1;',
    'functions/chunk-E.mjs': 'export const e=1;',
    'functions/mailer-B.mjs': 'export const mail=1;',
    'functions/monitor.mjs': 'import"./chunk-C.mjs";export const handler=2;',
    'functions/chunk-C.mjs': 'export const c=1;',
    'lib/notify/templates/fence-failed.eta': 'Hello <%= it.host %>',
  };

  test('static, re-exported and dynamic imports are followed; other functions’ chunks are dropped; other files kept', () => {
    const out = trim(zip(bundle), 'functions/notify.handler');
    const names = Object.keys(unzipSync(out.bytes)).sort();
    expect(names).toEqual([
      'functions/chunk-A.mjs',
      'functions/chunk-D.mjs',
      'functions/chunk-E.mjs',
      'functions/mailer-B.mjs',
      'functions/notify.mjs',
      'lib/notify/templates/fence-failed.eta',
    ]);
    expect(out.dropped).toBe(2);
  });

  test('a chunk named in a form the import pattern does not follow fails the packaging instead of being dropped', () => {
    const odd = {
      ...bundle,
      'functions/chunk-A.mjs': 'const u=new URL("./chunk-C.mjs",import.meta.url);export const a=1;',
    };
    expect(() => trim(zip(odd), 'functions/notify.handler')).toThrow(/chunk-C\.mjs, which would be dropped/);
  });

  test('an import of a file missing from the zip fails the packaging', () => {
    const { 'functions/chunk-D.mjs': _gone, ...broken } = bundle;
    expect(() => trim(zip(broken), 'functions/notify.handler')).toThrow(/chunk-D\.mjs is imported but not in the zip/);
  });
});
