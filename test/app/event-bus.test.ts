import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { RedisEventBus, type StreamEvent } from '../../src/app/event-bus.ts';
import { freePort } from '../helpers/server.ts';
import { redisUrl } from '../helpers/context.ts';

/** A logger whose lines the test can read. */
function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('Redis event bus shutdown', () => {
  it('closes while its SUBSCRIBE is still waiting for an unreachable Redis: settles, logs nothing about it', async () => {
    const port = await freePort(); // nothing listens there
    const { logger, lines } = recordingLogger();
    const bus = new RedisEventBus(`redis://127.0.0.1:${port}`, logger);
    bus.start();
    await new Promise((resolve) => setTimeout(resolve, 50)); // the first connection attempt fails meanwhile
    const before = lines.length;
    await bus.close();
    await new Promise((resolve) => setTimeout(resolve, 100)); // anything late would land now
    expect(lines.slice(before)).toEqual([]);
    expect(lines.map((l) => l.msg)).not.toContain('redis event bus: subscribe failed');
  });

  it('opens no connection until it is started or publishes', async () => {
    const { logger, lines } = recordingLogger();
    const port = await freePort();
    const bus = new RedisEventBus(`redis://127.0.0.1:${port}`, logger);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bus.close();
    expect(lines).toEqual([]); // an unstarted bus never tried the (unreachable) server
  });

  describe.skipIf(!redisUrl)(`against Redis${redisUrl ? '' : ' (skipped: set SPARROW_TEST_REDIS_URL to run)'}`, () => {
    it('closed right after start: no warning; started buses still hear each other', async () => {
      const { logger, lines } = recordingLogger();
      for (let i = 0; i < 5; i += 1) {
        const bus = new RedisEventBus(redisUrl!, logger);
        bus.start();
        await bus.close();
      }
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);

      const a = new RedisEventBus(redisUrl!, logger);
      const b = new RedisEventBus(redisUrl!, logger);
      const heard: StreamEvent[] = [];
      b.subscribe((event) => {
        if (event.type !== 'invalidate') heard.push(event);
      });
      await b.whenReady();
      await a.publish({ type: 'update', postId: '42' });
      for (let i = 0; i < 50 && heard.length === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(heard).toEqual([{ type: 'update', postId: '42' }]);
      await a.close();
      await b.close();
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    });
  });
});
