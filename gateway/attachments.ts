import type { EntityManager } from '@mikro-orm/postgresql';
import { type Request, type Response, Router } from 'express';
import { AuthenticationError, authenticate } from '../schema/access/credentials.service';
import type { MikroORM } from '../schema/db/orm';
import { withConnection } from '../schema/db/tx';
import { canSeeEvent } from '../schema/events/workflow-queries';
import { isConnectionError } from '../schema/runtime/errors';
import type { Logger } from '../schema/runtime/logger';
import { accessFor } from './access';

/**
 * Photos of events (GET /events/:eventId/attachments/:attachmentId) for whoever may see the event, by the
 * workflow's own rule (canSeeEvent): the caller's API key, as on the GraphQL endpoint, makes it a workflow
 * actor. An event the caller may not see answers 404 exactly like one that does not exist, so that ids cannot
 * be probed. The bytes are served with their stored checksum as the ETag and never sniffed by a browser.
 */

const ID = /^\d{1,19}$/;

function presentedKey(req: Request): string | null {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^bearer\s+/i.test(header))
    return header.replace(/^bearer\s+/i, '').trim();
  const key = req.headers['x-api-key'];
  return typeof key === 'string' && key.trim() ? key.trim() : null;
}

function notFound(res: Response, eventId: string, attachmentId: string): void {
  res.status(404).json({
    error: 'NOT_FOUND',
    message: `No attachment ${attachmentId} of event ${eventId} that you may see`,
  });
}

export function attachmentsRouter({ orm, logger }: { orm: MikroORM; logger: Logger }): Router {
  const log = logger.child({ component: 'attachments' });
  const router = Router();
  router.get('/events/:eventId/attachments/:attachmentId', async (req, res) => {
    const { eventId, attachmentId } = req.params;
    try {
      const em = orm.em.fork() as EntityManager;
      const presented = presentedKey(req);
      if (!presented) {
        res.setHeader('www-authenticate', 'Bearer');
        res.status(401).json({
          error: 'UNAUTHENTICATED',
          message: 'An API key is required (Authorization: Bearer … or X-Api-Key)',
        });
        return;
      }
      const actor = (await accessFor(em, await authenticate(em, presented))).workflowActor();
      if (!ID.test(eventId) || !ID.test(attachmentId)) return notFound(res, eventId, attachmentId);
      const file = await withConnection(em, async (tx) => {
        if (!(await canSeeEvent(tx, actor, eventId))) return null;
        const [row] = await tx.query<{
          content: Buffer;
          content_type: string;
          size: number;
          sha256: string;
          file_name: string | null;
        }>(
          `select content, content_type, size, sha256, file_name from event_attachment
            where id = $1 and event_id = $2`,
          [attachmentId, eventId],
        );
        return row ?? null;
      });
      if (!file) return notFound(res, eventId, attachmentId);
      const etag = `"${file.sha256}"`;
      res.setHeader('etag', etag);
      res.setHeader('cache-control', 'private, max-age=0, must-revalidate');
      res.setHeader('x-content-type-options', 'nosniff');
      if (req.headers['if-none-match'] === etag) {
        res.status(304).end();
        return;
      }
      res.setHeader('content-type', file.content_type);
      res.setHeader('content-length', String(file.content.length));
      if (file.file_name) {
        res.setHeader(
          'content-disposition',
          `inline; filename*=UTF-8''${encodeURIComponent(file.file_name)}`,
        );
      }
      res.status(200).end(file.content);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
        res.status(401).json({ error: 'UNAUTHENTICATED', message: error.message });
      } else if (isConnectionError(error)) {
        res
          .status(503)
          .json({ error: 'DATABASE_UNAVAILABLE', message: 'The hub database is unavailable; try again' });
      } else {
        log.error({ err: error, eventId, attachmentId }, 'attachment request failed');
        res.status(500).json({ error: 'INTERNAL_SERVER_ERROR', message: 'Internal server error' });
      }
    }
  });
  return router;
}
