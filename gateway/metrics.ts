import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Prometheus metrics for /metrics: process defaults plus request durations by route and status. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gridhub_' });
  const duration = new Histogram({
    name: 'gridhub_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const known = new Set(['/graphql', '/graphiql', '/healthz', '/readyz', '/metrics']);
  const middleware: RequestHandler = (req, res, next) => {
    const end = duration.startTimer();
    res.on('finish', () => {
      end({
        method: req.method,
        route: known.has(req.path) ? req.path : 'other',
        status: String(res.statusCode),
      });
    });
    next();
  };
  return { registry, middleware };
}
