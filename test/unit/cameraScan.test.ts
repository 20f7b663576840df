import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { CameraShareScanner, FULL_SCAN_EVERY_MS } from '../../src/cameraScan.js';

describe('CameraShareScanner', () => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'camera-scan-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  let shares = 0;
  const share = () => {
    const root = path.join(base, `share${++shares}`);
    mkdirSync(root);
    return root;
  };
  const names = (scanner: CameraShareScanner, now: number) => scanner.complete(now).map((e) => `${e.name}${e.isFolder ? '/' : ''}`);

  it('calls a movie complete once it stayed quiet for stableFor, and ignores what is no movie without keeping it', async () => {
    const root = share();
    writeFileSync(path.join(root, '20251125_0001.tif'), 'x');
    writeFileSync(path.join(root, 'notes.txt'), 'x');
    writeFileSync(path.join(root, '.hidden.tif'), 'x');
    const ignored: string[] = [];
    const scanner = new CameraShareScanner(root, 1_000, (name) => ignored.push(name));
    await scanner.poll(0);
    assert.deepEqual(names(scanner, 999), []);
    await scanner.poll(1_000);
    assert.deepEqual(names(scanner, 1_000), ['20251125_0001.tif']);
    assert.equal(scanner.tracker.size, 1, 'names that are no movie leave no state');
    await scanner.poll(2_000);
    assert.deepEqual(ignored.sort(), ['.hidden.tif', 'notes.txt'], 'each logged once');
  });

  it('does not stat a handed-over entry again, nor list an unchanged share: a quiet poll costs nothing per entry', async () => {
    const root = share();
    for (let i = 0; i < 2_000; i++) writeFileSync(path.join(root, `20251125_${String(i).padStart(4, '0')}.tif`), 'x');
    const scanner = new CameraShareScanner(root, 1);
    await scanner.poll(0);
    await scanner.poll(10);
    for (const entry of scanner.complete(10)) scanner.handOver(entry.name);
    await scanner.poll(20);
    const quiet = await scanner.poll(30);
    assert.deepEqual(quiet, { listed: false, statted: 0, ignored: 0 });
    writeFileSync(path.join(root, '20251125_9999.tif'), 'new');
    const afterNew = await scanner.poll(40);
    assert.equal(afterNew.listed, true, 'a new entry moves the folder mtime: the share is listed');
    assert.equal(afterNew.statted, 1, 'and only the new entry is stat-ed');
    await scanner.poll(50);
    assert.deepEqual(names(scanner, 50), ['20251125_9999.tif']);
  });

  it('lists the share every FULL_SCAN_EVERY_MS even when its mtime says nothing changed', async () => {
    const root = share();
    const scanner = new CameraShareScanner(root, 1);
    await scanner.poll(0);
    await scanner.poll(1);
    assert.equal((await scanner.poll(2)).listed, false);
    assert.equal((await scanner.poll(FULL_SCAN_EVERY_MS + 1)).listed, true);
  });

  it('keeps a DE folder waiting while any file in it grows or appears, or one is empty; a file of its own is one entry', async () => {
    const root = share();
    const folder = path.join(root, '20251125_0002');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'frames_0001.mrc'), 'a');
    writeFileSync(path.join(folder, 'info.txt'), '');
    const scanner = new CameraShareScanner(root, 100);
    await scanner.poll(0);
    await scanner.poll(200);
    assert.deepEqual(names(scanner, 200), [], 'an empty file: still being written');
    writeFileSync(path.join(folder, 'info.txt'), 'Dataset Name = x');
    await scanner.poll(300);
    assert.deepEqual(names(scanner, 399), []);
    appendFileSync(path.join(folder, 'frames_0001.mrc'), 'b');
    await scanner.poll(400);
    assert.deepEqual(names(scanner, 499), [], 'a file that grew restarts the quiet period');
    writeFileSync(path.join(folder, 'frames_0002.mrc'), 'c');
    await scanner.poll(500);
    assert.deepEqual(names(scanner, 599), [], 'a file that appeared too');
    await scanner.poll(600);
    assert.deepEqual(names(scanner, 600), ['20251125_0002/']);
  });

  it('forgets an entry that went, and sees it anew if it comes back', async () => {
    const root = share();
    const file = path.join(root, '20251125_0003.tif');
    writeFileSync(file, 'x');
    const scanner = new CameraShareScanner(root, 1);
    await scanner.poll(0);
    await scanner.poll(10);
    scanner.handOver('20251125_0003.tif');
    rmSync(file);
    await scanner.poll(20);
    assert.equal(scanner.tracker.size, 0);
    writeFileSync(file, 'again');
    await scanner.poll(30);
    await scanner.poll(40);
    assert.deepEqual(names(scanner, 40), ['20251125_0003.tif']);
  });

  it('hands movies over in the order the camera finished them, whatever order the share lists them in', async () => {
    const root = share();
    const finished = ['20251125_0009.tif', '20251125_0001.tif', '20251125_0005.tif'];
    for (const [i, name] of finished.entries()) {
      writeFileSync(path.join(root, name), 'x');
      utimesSync(path.join(root, name), 1_000 + i, 1_000 + i);
    }
    const scanner = new CameraShareScanner(root, 1);
    await scanner.poll(0);
    await scanner.poll(10);
    assert.deepEqual(scanner.complete(10).map((e) => e.name), finished);
  });

  it('counts a link at the top as a file (never followed: its movie parks naming it)', async () => {
    const root = share();
    symlinkSync('/etc/passwd', path.join(root, '20251125_0004.tif'));
    const scanner = new CameraShareScanner(root, 1);
    await scanner.poll(0);
    await scanner.poll(10);
    assert.deepEqual(names(scanner, 10), ['20251125_0004.tif']);
  });
});
