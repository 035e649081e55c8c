import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunFolder } from '../../devstack/runfolder.js';
import { devState, portOf, resetDevState, saveSimPorts, simPorts } from './state.js';

describe('the state npm start keeps', () => {
  test('lives under <dir>/state', () => {
    expect(devState('/x/.dev')).toEqual({
      dir: '/x/.dev/state',
      simStateFile: '/x/.dev/state/sim.json',
      simPortsFile: '/x/.dev/state/sim-ports.json',
    });
  });

  test("the simulator's ports of the last run are used again; a garbled file gives new ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-state-'));
    try {
      const state = devState(dir);
      const first = await simPorts(state);
      expect(first.port).not.toBe(first.adminPort);
      await saveSimPorts(state, first);
      expect(await simPorts(state)).toEqual(first);
      await writeFile(state.simPortsFile, '{"port": "x"}');
      const fresh = await simPorts(state);
      expect(fresh.port).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('--fresh removes it, but never under a running npm start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dev-state-'));
    try {
      const state = devState(dir);
      await mkdir(join(state.dir, 'etcd'), { recursive: true });
      const runDir = join(dir, 'run');
      await RunFolder.create(runDir); // owned by this live process
      await expect(resetDevState(state, runDir)).rejects.toThrow(/belongs to a running process/);
      expect(existsSync(state.dir)).toBe(true);
      await rm(runDir, { recursive: true });
      await resetDevState(state, runDir);
      expect(existsSync(state.dir)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('ports are read from endpoints and URLs', () => {
    expect(portOf('127.0.0.1:11476')).toBe(11476);
    expect(portOf('http://127.0.0.1:8080')).toBe(8080);
    expect(portOf('nothing')).toBe(0);
  });
});
