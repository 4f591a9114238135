import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactUrl } from '../../schema/runtime/config';

describe('loadConfig', () => {
  it('gives embedded defaults when nothing is set', () => {
    const config = loadConfig({}, '/srv/hub');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.port).toBe(4000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('/srv/hub', 'data'));
    expect(config.logLevel).toBe('info');
    expect(config.demo).toBe(true);
    expect(config.queuePrefix).toBe('gridhub');
  });

  it('reads real servers, turns the demo off with them, and treats empty variables as unset', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://hub:secret@db.internal:5432/gridhub',
      REDIS_URL: 'redis://cache.internal:6380/2',
      PORT: '8080',
      LOG_LEVEL: '',
      GRIDHUB_DATA_DIR: '/var/lib/gridhub',
    });
    expect(config.databaseUrl).toBe('postgres://hub:secret@db.internal:5432/gridhub');
    expect(config.redisUrl).toBe('redis://cache.internal:6380/2');
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('info');
    expect(config.dataDir).toBe('/var/lib/gridhub');
    expect(config.demo).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://x@h/db', GRIDHUB_DEMO: 'yes' }).demo).toBe(true);
  });

  it.each([
    ['PORT', 'eighty', 'PORT="eighty": must be a number'],
    ['PORT', '70000', 'PORT="70000": must be at most 65535'],
    ['PORT', '80.5', 'PORT="80.5": must be a whole number'],
    [
      'DATABASE_URL',
      'mysql://root@localhost/db',
      'DATABASE_URL="mysql://root@localhost/db": must be a URL starting with postgres:// or postgresql://',
    ],
    [
      'REDIS_URL',
      'localhost:6379',
      'REDIS_URL="localhost:6379": must be a URL starting with redis:// or rediss://',
    ],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent'],
    ['GRIDHUB_DEMO', 'maybe', 'GRIDHUB_DEMO="maybe": must be one of true/false'],
    ['GRIDHUB_QUEUE_PREFIX', 'a b', 'GRIDHUB_QUEUE_PREFIX="a b": must be 1–40 letters'],
  ])('rejects %s=%s naming the variable and the rule', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  it('reports every bad variable at once', () => {
    try {
      loadConfig({ PORT: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });

  it('hides passwords in URLs it shows', () => {
    expect(redactUrl('postgres://hub:secret@db:5432/gridhub')).toBe('postgres://hub:***@db:5432/gridhub');
    expect(redactUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
