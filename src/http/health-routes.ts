import { Router } from 'express';

export type Readiness = {
  /** starting → ready → stopping; only `ready` answers 200. */
  phase: () => 'starting' | 'ready' | 'stopping';
  checkDatabase: () => Promise<boolean>;
  peers: () => Record<string, unknown>;
};

export function healthRoutes(readiness: Readiness, version: string): Router {
  const router = Router();
  const startedAt = Date.now();

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok', version, uptime: Math.round((Date.now() - startedAt) / 1000) });
  });

  router.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });

  // Peer services never make the service unready; their last seen state is reported.
  router.get('/health/ready', async (_req, res) => {
    const phase = readiness.phase();
    const database = phase === 'ready' ? await readiness.checkDatabase() : false;
    const isReady = phase === 'ready' && database;
    res.status(isReady ? 200 : 503).json({
      status: isReady ? 'ready' : phase === 'ready' ? 'unavailable' : phase,
      checks: { database: database ? 'up' : 'down' },
      peers: readiness.peers(),
    });
  });

  return router;
}
