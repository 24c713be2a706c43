import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addToLogContext, withLogContext } from './log-context.js';
import type { Logger } from './logger.js';
import { createLogger } from './logger.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function flushed(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    logger.on('finish', () => {
      resolve();
    });
    logger.end();
  });
}

const linesOf = async (file: string) =>
  (await readFile(file, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('logger', () => {
  it('writes JSON lines carrying the request and order of the async context', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'logs-'));
    const logger = createLogger({ level: 'info', logDir: dir, console: false });

    await withLogContext({ requestId: 'req-1' }, async () => {
      logger.info('before the order exists');
      await Promise.resolve();
      addToLogContext({ orderId: 17 });
      logger.info('after');
    });
    logger.info('outside');
    await flushed(logger);

    const lines = await linesOf(path.join(dir, 'all.log'));
    expect(lines.map((line) => [line.message, line.requestId, line.orderId])).toEqual([
      ['before the order exists', 'req-1', undefined],
      ['after', 'req-1', 17],
      ['outside', undefined, undefined],
    ]);
  });

  it('never writes tokens, secrets, the Authorization header or payment methods', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'logs-'));
    const logger = createLogger({ level: 'info', logDir: dir, console: false });

    logger.error('something failed', {
      authorization: 'Bearer abc.def.ghi',
      nested: { paymentMethod: 'pm_card_visa', token: 'abc.def.ghi', kept: 'visible' },
      error: new Error('boom'),
    });
    await flushed(logger);

    const text = await readFile(path.join(dir, 'error.log'), 'utf8');
    expect(text).not.toContain('abc.def.ghi');
    expect(text).not.toContain('pm_card_visa');
    expect(text).toContain('visible');
    expect(JSON.parse(text)).toMatchObject({ error: { message: 'boom', name: 'Error' } });
  });

  it('rotates a file past its size, keeping the current one under its name', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'logs-'));
    const logger = createLogger({ level: 'info', logDir: dir, console: false, maxFileBytes: 2000 });

    for (let index = 0; index < 60; index += 1) {
      logger.info('line', { index, padding: 'x'.repeat(50) });
    }

    // end() called mid-rotation can leave 'finish' unsent (winston File transport): wait for files.
    const logDir = dir;
    await expect
      .poll(async () => (await readdir(logDir)).filter((name) => name.startsWith('all')).length, {
        timeout: 10_000,
      })
      .toBeGreaterThan(1);
    expect(await readdir(logDir)).toContain('all.log');
    logger.close();
  });
});
